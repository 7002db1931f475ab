import { z } from "zod";
import { Secret } from "../secret.js";
import { TailscaleApiError } from "./errors.js";

export interface TailscaleApiOptions {
  readonly apiUrl: string;
  readonly clientId: string;
  readonly clientSecret: Secret;
  /** "-": the tailnet the OAuth client belongs to. */
  readonly tailnet: string;
  /** Deadline per request, in ms (default 15 000). */
  readonly timeoutMs?: number;
}

const Token = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const MintedKey = z.object({ id: z.string().min(1), key: z.string().min(1) });
const Device = z.object({
  id: z.string(),
  hostname: z.string(),
  name: z.string(),
  addresses: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
});
export type TailnetDevice = z.infer<typeof Device>;
const Devices = z.object({ devices: z.array(Device) });
const Failure = z.object({ message: z.string() });

/** A one-off key's life: long enough for a container to start and enrol, no longer. */
const KEY_EXPIRY_SECONDS = 15 * 60;

/**
 * The Tailscale API through an OAuth client (client-credentials flow): access tokens are taken
 * when needed and kept until shortly before they expire. No request, response body, token or
 * key is ever logged; errors carry the API's own message only.
 */
export function tailscaleApi(options: TailscaleApiOptions) {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const tailnet = encodeURIComponent(options.tailnet);
  let token: { value: string; until: number } | undefined;

  async function call(what: string, path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${options.apiUrl}${path}`, {
        ...init,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new TailscaleApiError({
        status: 0,
        what,
        detail: (error as Error).message,
        cause: error,
      });
    }
    if (response.ok) return response;
    const body = Failure.safeParse(await response.json().catch(() => undefined));
    throw new TailscaleApiError({
      status: response.status,
      what,
      detail: body.success ? body.data.message : response.statusText,
    });
  }

  async function accessToken(): Promise<string> {
    if (token && Date.now() < token.until) return token.value;
    const response = await call("access token", "/api/v2/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: options.clientId,
        client_secret: options.clientSecret.reveal(),
      }),
    });
    const parsed = Token.parse(await response.json());
    // A minute early, so a token never expires between here and the request that uses it.
    token = { value: parsed.access_token, until: Date.now() + (parsed.expires_in - 60) * 1000 };
    return token.value;
  }

  async function authorized(what: string, path: string, init: RequestInit = {}) {
    const send = async () =>
      call(what, path, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${await accessToken()}` },
      });
    try {
      return await send();
    } catch (error) {
      // A token revoked early: take a new one once.
      if (!(error instanceof TailscaleApiError) || error.status !== 401) throw error;
      token = undefined;
      return send();
    }
  }

  /** A DELETE of something that may be gone already: gone is what it asks for. */
  async function remove(what: string, path: string) {
    await authorized(what, path, { method: "DELETE" }).catch((error: unknown) => {
      if (!(error instanceof TailscaleApiError) || error.status !== 404) throw error;
    });
  }

  return {
    /** A one-off, pre-authorized key with these tags, expiring in minutes. */
    async mintKey(
      tags: readonly string[],
      description: string,
    ): Promise<{ id: string; key: Secret }> {
      const response = await authorized("minting a key", `/api/v2/tailnet/${tailnet}/keys`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          capabilities: {
            devices: { create: { reusable: false, ephemeral: false, preauthorized: true, tags } },
          },
          expirySeconds: KEY_EXPIRY_SECONDS,
          description: description.slice(0, 50),
        }),
      });
      const minted = MintedKey.parse(await response.json());
      return { id: minted.id, key: new Secret(minted.key) };
    },

    /** Revokes a key that was never used (a create that did not get as far as enrolling). */
    async revokeKey(id: string) {
      await remove("revoking a key", `/api/v2/tailnet/${tailnet}/keys/${encodeURIComponent(id)}`);
    },

    async devices(): Promise<TailnetDevice[]> {
      const response = await authorized("listing devices", `/api/v2/tailnet/${tailnet}/devices`);
      return Devices.parse(await response.json()).devices;
    },

    /** Removes a device from the tailnet; one already gone is not an error. */
    async deleteDevice(id: string) {
      await remove("deleting a device", `/api/v2/device/${encodeURIComponent(id)}`);
    },
  };
}

export type TailscaleApi = ReturnType<typeof tailscaleApi>;
