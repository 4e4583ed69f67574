export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__STRIPE_QBO_EMULATORS__ ?? [];
  await Promise.all(started.map((emulator) => emulator.stop()));
}
