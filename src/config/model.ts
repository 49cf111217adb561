import type { SubmitType } from "../merger/types.ts";
import type { WindowParams } from "../scheduler/index.ts";
import type { TRIGGER_EVENTS } from "./schema.ts";

/** The typed, normalized config that the rest of gatebox reads (units resolved, defaults applied). */
export interface GateboxConfig {
  /** The file it came from, or null when gatebox runs on its defaults. */
  file: string | null;
  dataDir: string;
  /** Where build workspaces are checked out (default <data-dir>/workspaces); tmpfs makes big repos fast. */
  workspaceDir: string;
  gerrit: GerritConnection | null;
  web: WebConfig;
  executors: ExecutorConfig[];
  pipelines: PipelineConfig[];
  jobs: Map<string, JobConfig>;
  projects: ProjectConfig[];
  /**
   * The top-level `secrets:`, by name: where each value is read from, never the value
   * (`resolveSecrets()` reads them). A job names the ones it gets in `JobConfig.secrets`.
   */
  secrets: Map<string, SecretRef>;
  retention: RetentionConfig;
}

/** How long gatebox keeps what builds leave; seconds and bytes (src/retention/). */
export interface RetentionConfig {
  /** Build records in the store (builds, buildsets, queue items, events). */
  builds: number;
  /** Console logs and artifacts, by age. */
  logs: number;
  /** Console logs and artifacts together: past it the oldest are pruned first. */
  logsSize: number;
}

/** A periodic trigger (`trigger: {timer: [{cron: "0 3 * * *"}]}`), in the server's local time. */
export interface TimerConfig {
  cron: string;
}

export interface SecretRef {
  env?: string;
  file?: string;
  /** Where the config names it (`gatebox.yaml:7: connections.gerrit.password`), for error messages. */
  place?: string;
}

export interface GerritConnection {
  url: string;
  gitUrl: string;
  user: string;
  password: SecretRef;
  pollInterval: number;
  fullSweepInterval: number;
  timeout: number;
}

export interface Listen {
  host: string;
  port: number;
}

export interface WebConfig {
  listen: Listen;
  /** Base URL for links in reports; defaults to http://listen. */
  url: string;
  adminToken: SecretRef | null;
  consoleListen: Listen | null;
}

export interface ExecutorConfig {
  name: string;
  type: "docker" | "local";
  endpoint?: string | undefined;
  /** tcp:// with TLS: PEM files (absolute paths), as DOCKER_CERT_PATH holds them. */
  tls?: { ca: string; cert: string; key: string } | undefined;
  /** ssh:// only: the private key gatebox logs in with (absolute path). */
  sshKey?: string | undefined;
  /** ssh:// only: the fingerprints (SHA256:…) the host's key must match. */
  sshHostKey?: string[] | undefined;
  /** Plain tcp:// to another host, accepted knowingly (`insecure: true`). */
  insecure?: boolean | undefined;
  capacity: number;
}

export type Manager = "independent" | "dependent" | "serial";

export interface ReporterAction {
  labels: Record<string, number>;
  submit: boolean;
  comment: boolean;
}

export interface TriggerConfig {
  event: (typeof TRIGGER_EVENTS)[number];
  approval?: Record<string, number>;
  comment?: RegExp;
  branch?: RegExp;
}

export interface PipelineConfig {
  name: string;
  description: string | undefined;
  manager: Manager;
  /** Whose builds start first when executors are busy (Zuul's pipeline precedence). */
  precedence: "high" | "normal" | "low";
  triggers: TriggerConfig[];
  /** When the pipeline's projects' branch tips are enqueued (src/driver/timer.ts). */
  timers: TimerConfig[];
  require: { approvals: Record<string, number> };
  start: ReporterAction | null;
  success: ReporterAction | null;
  failure: ReporterAction | null;
  window: WindowParams;
  /** Runs only code a reviewer approved (gate, post): the only pipelines whose jobs may use secrets. */
  postReview: boolean;
  /** Dependent pipelines: Zuul's NNFI as it is, or the adaptive strategy (docs/strategy.md). */
  strategy: "zuul" | "adaptive";
}

export interface JobConfig {
  name: string;
  description: string | undefined;
  image: string;
  run: string;
  env: Record<string, string>;
  timeout: number;
  workdir: string;
  memory: number | undefined;
  cpus: number | undefined;
  pids: number;
  user: string | undefined;
  attempts: number;
  /** Times a failed voting build is run again on the same state before its result counts (0: never). */
  retryFlaky: number;
  /** Only retry while the job's measured flaky rate is at least this share (absent: always). */
  retryFlakyAbove?: number;
  network: "none" | "bridge";
  voting: boolean;
  /** Keep stderr apart from stdout (the executor's JobSpec.separateStderr). */
  separateStderr: boolean;
  dependencies: string[];
  executor: string | undefined;
  /** Names of `GateboxConfig.secrets` given to the build as environment variables of the same names. */
  secrets: string[];
  /** Bytes of console output before the build is stopped as a FAILURE ("output limit exceeded"). */
  outputLimit: number;
  /** Bytes of artifacts kept from `$GATEBOX_ARTIFACTS`; 0 keeps none. */
  artifactLimit: number;
}

export interface ProjectPipelineConfig {
  /** Templates' jobs first, then the project's own, each once, in start order. */
  jobs: string[];
  /** The shared change queue (dependent/serial pipelines); defaults to the project's name. */
  queue: string;
  failFast: boolean;
}

export interface ProjectConfig {
  name: string;
  branch: string | undefined;
  /** Gerrit's submit type, written `merge-if-necessary` in the file; how the merger lands the change. */
  submitType: SubmitType | undefined;
  pipelines: Map<string, ProjectPipelineConfig>;
}
