/** The gateway's error body: `{"error": {"code", "message"}}`. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
}

/** Reads an error body as the gateway sends it, or describes a body that is not one. */
export function apiError(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: Partial<ApiError> };
    if (typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string') {
      return { code: parsed.error.code, message: parsed.error.message };
    }
  } catch {
    // Not JSON: a proxy's page, for example.
  }
  return { code: `HTTP_${status}`, message: body.slice(0, 200) || `the gateway answered ${status}` };
}

export function describe(error: ApiError): string {
  return `${error.message} (${error.code})`;
}
