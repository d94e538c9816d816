// zod/mini, for the schemas the Lambda functions load: the same validation core as `zod` without the chained
// methods, a fraction of its code and of its start-up (docs/benchmarks.md). zod/mini carries no messages of its
// own; this sets zod's English ones, the ones the full `zod` sets, so an issue reads the same with either.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
