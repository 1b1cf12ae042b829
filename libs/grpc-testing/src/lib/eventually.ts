/**
 * Resolves once `condition` holds, checking every `everyMs`; rejects after `timeoutMs`.
 * For state the test cannot subscribe to (another process, a counter in a service).
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 5_000, everyMs = 20, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
