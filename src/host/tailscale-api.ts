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
/** An ISO time as epoch ms; anything else (Tailscale gives "" where it has none) is undefined. */
const Time = z
  .string()
  .optional()
  .transform((text) => {
    const ms = text ? Date.parse(text) : NaN;
    return Number.isFinite(ms) ? ms : undefined;
  });
const KeyTimes = z.object({ created: Time, expires: Time });
const KeyState = z.object({ invalid: z.boolean().optional() });
/**
 * A device as the API describes it. `hostname` and `name` are the tenant's to choose (root in
 * the container runs tailscaled); `nodeId`, `created`, `tags` and `isExternal` are the control
 * plane's, and only those decide which device is whose (workloads/primitives/tailnet.ts).
 */
const Device = z
  .object({
    id: z.string().catch(""),
    /** The stable id. A device without one is one the daemon cannot act on, not a failed list. */
    nodeId: z.string().min(1).optional().catch(undefined),
    hostname: z.string().catch(""),
    name: z.string().catch(""),
    created: Time.catch(undefined),
    addresses: z.array(z.string()).catch([]),
    tags: z.array(z.string()).catch([]),
    isExternal: z.boolean().catch(false),
  })
  .transform(({ created, ...device }) => ({ ...device, createdAtMs: created }));
/** `createdAtMs`: when the control plane added the device; undefined when it does not say. */
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

  const keyPath = (id: string) => `/api/v2/tailnet/${tailnet}/keys/${encodeURIComponent(id)}`;

  return {
    /**
     * A one-off, pre-authorized key with these tags, expiring in minutes, with the API's own
     * `created` and `expires` (epoch ms): the window in which its device can appear. A key whose
     * times the answer lacks is revoked again and the call fails: it could never be bound.
     */
    async mintKey(
      tags: readonly string[],
      description: string,
    ): Promise<{ id: string; key: Secret; createdAtMs: number; expiresAtMs: number }> {
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
      const body: unknown = await response.json();
      const minted = MintedKey.parse(body);
      const times = KeyTimes.safeParse(body);
      const createdAtMs = times.success ? times.data.created : undefined;
      const expiresAtMs = times.success ? times.data.expires : undefined;
      if (createdAtMs === undefined || expiresAtMs === undefined || expiresAtMs < createdAtMs) {
        await remove("revoking a key", keyPath(minted.id));
        throw new TailscaleApiError({
          status: response.status,
          what: "minting a key",
          detail: "the answer gave no usable created and expires times",
        });
      }
      return { id: minted.id, key: new Secret(minted.key), createdAtMs, expiresAtMs };
    },

    /** Revokes a key that was never used (a create that did not get as far as enrolling). */
    async revokeKey(id: string) {
      await remove("revoking a key", keyPath(id));
    },

    /**
     * Whether key `id` can still enrol a device: "gone" when the API no longer knows it (deleted,
     * or a one-off key spent) or calls it invalid (spent, expired, revoked).
     */
    async keyState(id: string): Promise<"usable" | "gone"> {
      try {
        const response = await authorized("reading a key", keyPath(id));
        return KeyState.parse(await response.json()).invalid === true ? "gone" : "usable";
      } catch (error) {
        if (error instanceof TailscaleApiError && error.status === 404) return "gone";
        throw error;
      }
    },

    /**
     * The tailnet's devices; with `tag`, only those carrying it (asked of the API, and checked
     * here too: the filter is new and an older answer may ignore it).
     */
    async devices(tag?: string): Promise<TailnetDevice[]> {
      const query = tag === undefined ? "" : `?${new URLSearchParams({ tags: tag }).toString()}`;
      const response = await authorized(
        "listing devices",
        `/api/v2/tailnet/${tailnet}/devices${query}`,
      );
      const devices = Devices.parse(await response.json()).devices;
      return tag === undefined ? devices : devices.filter((d) => d.tags.includes(tag));
    },

    /** One device by its id or node id; undefined when the API does not know it. */
    async device(id: string): Promise<TailnetDevice | undefined> {
      try {
        const response = await authorized(
          "reading a device",
          `/api/v2/device/${encodeURIComponent(id)}`,
        );
        return Device.parse(await response.json());
      } catch (error) {
        if (error instanceof TailscaleApiError && error.status === 404) return undefined;
        throw error;
      }
    },

    /** Removes a device from the tailnet (by id or node id); one already gone is not an error. */
    async deleteDevice(id: string) {
      await remove("deleting a device", `/api/v2/device/${encodeURIComponent(id)}`);
    },
  };
}

export type TailscaleApi = ReturnType<typeof tailscaleApi>;
