ALTER TABLE `builds` ADD `flaky_retries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `builds` ADD `flaky` integer DEFAULT false NOT NULL;