import type { GerritConnection as GerritConfig } from "../../config/model.ts";
import type { EventSink, SourceStateStore } from "../source.ts";
import { type ExchangeOutcome, GerritClient } from "./client.ts";
import { GerritLookup } from "./lookup.ts";
import { GerritPipelineReporter } from "./pipeline-reporter.ts";
import { GerritSource, type GerritSourceState } from "./poller.ts";
import { GerritReporter } from "./reporter.ts";

export interface GerritConnectionOptions {
  config: GerritConfig;
  /** The resolved HTTP password. */
  password: string;
  /** The configured projects: the only ones polled and followed through Depends-On. */
  projects: readonly string[];
  /** gatebox's public web address, for links in messages. */
  webUrl: string;
  cursor: SourceStateStore<GerritSourceState>;
  /** The files a build kept, linked from the report. */
  artifactsOf?: (buildId: string) => readonly string[];
  sink: EventSink;
  log: (line: string) => void;
  /** Told how each HTTP exchange with Gerrit went (metrics). */
  onExchange?: (outcome: ExchangeOutcome) => void;
}

/**
 * One Gerrit server, as the rest of gatebox sees it: a polling Source of events (null with no
 * projects to poll), a ChangeLookup, and a Reporter; all three share one REST client.
 */
export function connectGerrit(opts: GerritConnectionOptions): { source: GerritSource | null; lookup: GerritLookup; reporter: GerritPipelineReporter } {
  const { config } = opts;
  const client = new GerritClient({
    url: config.url,
    username: config.user,
    password: opts.password,
    timeoutMs: config.timeout * 1000,
    log: opts.log,
    ...(opts.onExchange ? { onExchange: opts.onExchange } : {}),
  });
  const source =
    opts.projects.length === 0
      ? null
      : new GerritSource({
          client,
          store: opts.cursor,
          projects: opts.projects,
          intervalMs: config.pollInterval * 1000,
          sweepEvery: Math.max(1, Math.round(config.fullSweepInterval / config.pollInterval)),
          log: opts.log,
          sink: opts.sink,
        });
  return {
    source,
    lookup: new GerritLookup(client, config.url, opts.projects),
    reporter: new GerritPipelineReporter(new GerritReporter(client), opts.webUrl, opts.artifactsOf),
  };
}
