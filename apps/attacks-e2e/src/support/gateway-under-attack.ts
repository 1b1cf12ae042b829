import { honestHello } from './honest-http';
import { type Stack, startStack } from './stack';
import { rssBoundMb, underAttack } from './under-attack';
import { unexpectedErrorsOf } from './unexpected-errors';

/**
 * A describe block's stack, started before its tests and stopped after, with the checks
 * every gateway attack shares: after each test the gateway still runs and logged no error
 * that escaped a request; during each, an honest client (a greeting, unless another is
 * given) was always served and the gateway stayed under rssBoundMb('gateway').
 */
export function gatewayUnderAttack(env: Record<string, string> = {}) {
  let stack: Stack | undefined;
  const running = (): Stack => {
    if (!stack) throw new Error('the stack has not started');
    return stack;
  };
  beforeAll(async () => {
    stack = await startStack(env);
  }, 60_000);
  afterAll(() => stack?.stop());
  afterEach(() => {
    expect(running().gateway.child.exitCode).toBeNull();
    expect(unexpectedErrorsOf(running().gateway)).toEqual([]);
  });

  return {
    get stack(): Stack {
      return running();
    },
    async attack<T>(name: string, run: () => Promise<T>, honest?: () => Promise<void>): Promise<T> {
      const { gateway } = running();
      const figures = await underAttack(
        `gateway: ${name}`,
        gateway.child.pid as number,
        run,
        honest ?? (() => honestHello(running())),
      );
      expect(figures.honestFailures).toEqual([]);
      expect(figures.peakRssMb).toBeLessThan(rssBoundMb('gateway'));
      return figures.answer;
    },
  };
}
