CREATE TABLE `build_logs` (
	`build_id` text PRIMARY KEY NOT NULL,
	`path` text NOT NULL,
	`cast_path` text,
	`bytes` integer DEFAULT 0 NOT NULL,
	`complete` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE `builds` (
	`id` text PRIMARY KEY NOT NULL,
	`buildset_id` text NOT NULL,
	`item_id` text NOT NULL,
	`pipeline` text NOT NULL,
	`project` text NOT NULL,
	`change_number` integer,
	`job` text NOT NULL,
	`voting` integer DEFAULT true NOT NULL,
	`state` text NOT NULL,
	`result` text,
	`executor` text,
	`container_id` text,
	`attempt` integer DEFAULT 1 NOT NULL,
	`queued_at` real NOT NULL,
	`started_at` real,
	`finished_at` real
);
--> statement-breakpoint
CREATE INDEX `builds_item` ON `builds` (`item_id`);--> statement-breakpoint
CREATE INDEX `builds_job` ON `builds` (`job`,`finished_at`);--> statement-breakpoint
CREATE INDEX `builds_project` ON `builds` (`project`,`pipeline`);--> statement-breakpoint
CREATE INDEX `builds_change` ON `builds` (`change_number`);--> statement-breakpoint
CREATE TABLE `buildsets` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`pipeline` text NOT NULL,
	`state` text NOT NULL,
	`commits` text,
	`result` text,
	`created_at` real NOT NULL,
	`finished_at` real
);
--> statement-breakpoint
CREATE INDEX `buildsets_item` ON `buildsets` (`item_id`);--> statement-breakpoint
CREATE TABLE `changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection` text DEFAULT 'gerrit' NOT NULL,
	`number` integer NOT NULL,
	`project` text NOT NULL,
	`branch` text NOT NULL,
	`change_id` text NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`owner` text DEFAULT '' NOT NULL,
	`url` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'NEW' NOT NULL,
	`updated_at` real NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `changes_number` ON `changes` (`connection`,`number`);--> statement-breakpoint
CREATE INDEX `changes_project` ON `changes` (`project`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` real NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_at` ON `events` (`at`);--> statement-breakpoint
CREATE TABLE `patchsets` (
	`change_number` integer NOT NULL,
	`patchset` integer NOT NULL,
	`revision` text NOT NULL,
	`ref` text NOT NULL,
	`created_at` real NOT NULL,
	PRIMARY KEY(`change_number`, `patchset`)
);
--> statement-breakpoint
CREATE TABLE `queue_items` (
	`id` text PRIMARY KEY NOT NULL,
	`pipeline` text NOT NULL,
	`queue` text NOT NULL,
	`project` text NOT NULL,
	`change_number` integer,
	`patchset` integer,
	`ref` text,
	`enqueued_at` real NOT NULL,
	`state` text NOT NULL,
	`result` text,
	`reason` text,
	`reported_at` real
);
--> statement-breakpoint
CREATE INDEX `queue_items_pipeline` ON `queue_items` (`pipeline`,`state`);--> statement-breakpoint
CREATE INDEX `queue_items_change` ON `queue_items` (`change_number`);--> statement-breakpoint
CREATE TABLE `scheduler_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_event_seq` integer NOT NULL,
	`snapshot` text NOT NULL,
	`updated_at` real NOT NULL
);
--> statement-breakpoint
CREATE TABLE `source_cursors` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` real NOT NULL
);
