import type { Request, Response } from '@google-cloud/functions-framework';

export type HttpHandler = (req: Request, res: Response) => Promise<void>;

/**
 * Builds a function's handler once per instance, on the first request, so module load stays cheap (cold starts)
 * and a configuration error answers 500 with a log line instead of crashing the loader. A failed build is retried
 * on the next request rather than cached.
 */
export function lazyHandler(factory: () => Promise<HttpHandler>): HttpHandler {
  let building: Promise<HttpHandler> | undefined;
  return async (req, res) => {
    building ??= factory().catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    let handler: HttpHandler;
    try {
      handler = await building;
    } catch (error) {
      console.error(
        JSON.stringify({ severity: 'ERROR', message: `function start-up failed: ${(error as Error).message}` }),
      );
      res.status(500).json({ error: 'function start-up failed' });
      return;
    }
    await handler(req, res);
  };
}
