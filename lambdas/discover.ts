// Scheduled: reads the service graph, alarms and deployments, and stores the snapshot and the changes.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { XRayClient } from '@aws-sdk/client-xray';
import { discoverAndStore } from '../lib/aws/discover';
import { createTargetClients } from '../lib/aws/targets';
import { parseDuration } from '../lib/core/changes';
import { ENV, type EnvKey } from '../lib/core/contracts';
import { catalog } from './catalog';
import { logger, optionalEnv, traced } from './runtime';
import { store } from './table';

const clients = {
  ...createTargetClients(traced),
  xray: traced(new XRayClient({})),
  cloudwatch: traced(new CloudWatchClient({})),
};
const windows = {
  windowMs: duration('changeWindow', '24h'),
  graphMs: duration('graphWindow', '1h'),
  baselineMs: duration('baselineWindow', '1h'),
};

function duration(key: EnvKey, fallback: string): number {
  const ms = parseDuration(optionalEnv(key) ?? fallback);
  if (ms === undefined) throw new Error(`environment variable ${ENV[key]}: expected a duration such as 30m, 24h or 7d`);
  return ms;
}

export const handler = async () => {
  const summary = await discoverAndStore(clients, store, await catalog(), { now: Date.now(), ...windows });
  const log = summary.failed.length > 0 ? logger.warn.bind(logger) : logger.info.bind(logger);
  log('discovered', { ...summary });
  return summary;
};
