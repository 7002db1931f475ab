/** A container as the API lists it (workloads' ContainerSummary). */
export interface Container {
  readonly name: string;
  readonly ownerId: number;
  readonly state: "creating" | "running" | "stopped" | "failed" | "destroying";
  readonly modules: readonly string[];
  readonly address: string | undefined;
  readonly workspaceBytes: number | undefined;
}

export interface Me {
  readonly userId: number;
  readonly role: "admin" | "user";
  readonly containers: readonly Container[];
}

export interface UsageSample {
  readonly atMs: number;
  readonly container: string;
  readonly cpuNs?: number;
  readonly memoryBytes?: number;
}

export interface UsageReply {
  readonly usedBytes: number;
  readonly quotaBytes: number | null;
  readonly samples: readonly UsageSample[];
}

export interface Snapshot {
  readonly name: string;
  readonly createdAt: string;
  readonly usedBytes: number;
}

/** What the server said no with: its sentence is for the person. */
export class ApiError extends Error {}

/** One API call, signed with the page's initData (the server's only proof of who asks). */
export async function call<T>(initData: string, path: string, method = "GET"): Promise<T> {
  const response = await fetch(path, { method, headers: { Authorization: `tma ${initData}` } });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(body.error ?? `The server answered ${response.status}.`);
  return body as T;
}
