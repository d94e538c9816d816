// EventBridge target: records one deployment event as a change (or says why it ignored it).
import { recordChange } from '../lib/aws/change-events';
import { createTargetClients } from '../lib/aws/targets';
import { catalog } from './catalog';
import { logger, traced } from './runtime';
import { store } from './table';

const clients = createTargetClients(traced);

export const handler = async (event: unknown) => {
  const result = await recordChange(clients, store, await catalog(), event);
  if ('ignored' in result) logger.info('ignored', { reason: result.ignored });
  else logger.info('change', { id: result.change.id, recorded: result.recorded, warnings: result.warnings });
  return result;
};
