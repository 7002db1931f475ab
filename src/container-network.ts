/**
 * The containers' IPv4 network (VOXNIX_CONTAINER_NETWORK; the appliance's settings.nix
 * `containerNetwork`, read the same way by nix/host/container-network.nix). The host is its
 * first address; each container gets one of the others, routed to that container's own veth
 * (ve-NAME) alone, so an address is a container's on the host: nothing another container sends
 * can take it (docs/security.md, Tenants' network).
 */
export interface ContainerNetwork {
  /** As configured, e.g. 10.100.0.0/24. */
  readonly cidr: string;
  /** The host's address on every container's link: their gateway and DNS server. */
  readonly hostAddress: string;
  /** The first and last address a container may get, as 32-bit numbers. */
  readonly first: number;
  readonly last: number;
}

export const DEFAULT_CONTAINER_NETWORK = "10.100.0.0/24";

/** 10.100.0.7 → its 32-bit number; undefined for anything but four decimal octets. */
export function addressNumber(text: string): number | undefined {
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)?.slice(1).map(Number);
  if (!octets || octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** A 32-bit number → its dotted address. */
export function addressText(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((cidr) => {
  const [base, bits] = cidr.split("/") as [string, string];
  return { base: addressNumber(base) as number, size: 2 ** (32 - Number(bits)) };
});

/**
 * Parses `cidr` (a private IPv4 network, written with its own address, from /16 to /29); a
 * string says what is wrong with it.
 */
export function parseContainerNetwork(cidr: string): ContainerNetwork | string {
  const expected = "expected a private IPv4 network such as 10.100.0.0/24 (from /16 to /29)";
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const base = match ? addressNumber(match[1] as string) : undefined;
  const bits = Number(match?.[2]);
  if (base === undefined || !(bits >= 16 && bits <= 29)) return expected;
  const size = 2 ** (32 - bits);
  if (base % size !== 0)
    return `${cidr} is not a network's own address (the network is ${addressText(base - (base % size))}/${bits})`;
  if (!PRIVATE.some((p) => base >= p.base && base + size <= p.base + p.size))
    return `${expected}: ${cidr} is not private`;
  return {
    cidr,
    hostAddress: addressText(base + 1),
    first: base + 2,
    // The last address is the network's broadcast, which a /32 route does not need, but some
    // tools still treat it as one.
    last: base + size - 2,
  };
}
