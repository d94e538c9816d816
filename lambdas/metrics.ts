// Powertools metrics, for the functions that publish them (the others do not load them).
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Namespace `Backstep` (POWERTOOLS_METRICS_NAMESPACE): the dashboard reads these. */
export const metrics = new Metrics({ namespace: 'Backstep', serviceName: 'backstep' });
