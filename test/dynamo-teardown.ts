// jest globalTeardown: stops the servers test/dynamo-setup.ts started, so jest ends by itself.
export default async function teardown(): Promise<void> {
  await Promise.all((globalThis.backstepWorkerDynamos ?? []).map((server) => server.close()));
  globalThis.backstepWorkerDynamos = undefined;
}
