import type { Db } from "./database.js";

/** Addresses as 32-bit numbers, `first` to `last` inclusive (src/container-network.ts). */
export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

/**
 * Each container's address on the containers' network (migration 12). An address belongs to one
 * container by the table's primary key, and a container has one by its UNIQUE column: SQLite
 * decides, even between the daemon and the admin CLI. When a container's row is deleted its
 * address stays behind without one (ON DELETE SET NULL): addresses never used are handed out
 * first, so a released one comes back only once the network has none left, and then the one
 * assigned longest ago. A conntrack entry or a cache keyed by the address of a container destroyed
 * a moment ago therefore does not meet a new tenant.
 */
export function addressesRepository(db: Db, now: () => number) {
  const find = db.prepare<[string], { address: number }>(
    `SELECT address FROM container_addresses WHERE container = ?`,
  );
  const holder = db.prepare<[number], { container: string }>(
    `SELECT container FROM container_addresses WHERE address = ? AND container IS NOT NULL`,
  );
  const release = db.prepare<[string]>(
    `UPDATE container_addresses SET container = NULL WHERE container = ?`,
  );
  const fresh = db.prepare<[AddressRange], { address: number }>(
    `SELECT COALESCE(MAX(address) + 1, @first) AS address FROM container_addresses
     WHERE address BETWEEN @first AND @last`,
  );
  const released = db.prepare<[AddressRange], { address: number }>(
    `SELECT address FROM container_addresses
     WHERE container IS NULL AND address BETWEEN @first AND @last
     ORDER BY assigned_at, address LIMIT 1`,
  );
  const take = db.prepare<[{ address: number; container: string; at: number }]>(
    `INSERT INTO container_addresses (address, container, assigned_at) VALUES (@address, @container, @at)
     ON CONFLICT (address) DO UPDATE SET container = excluded.container, assigned_at = excluded.assigned_at
     WHERE container_addresses.container IS NULL`,
  );

  return {
    /** The address `container` holds, if any. */
    find(container: string): number | undefined {
      return find.get(container)?.address;
    },

    /**
     * The container that holds `address`, if any: on the host, where tenant-firewall.nix lets
     * no container send from an address not its own, the sender of a packet from `address`.
     */
    containerAt(address: number): string | undefined {
      return holder.get(address)?.container;
    },

    /**
     * The address of `container` (whose registry row must exist) in `range`: the one it holds,
     * or else a new one, which replaces one it held outside the range (the network changed).
     * Undefined when every address of the range is another container's.
     */
    assign(container: string, range: AddressRange): number | undefined {
      return db
        .transaction(() => {
          const held = find.get(container)?.address;
          if (held !== undefined && held >= range.first && held <= range.last) return held;
          if (held !== undefined) release.run(container);
          const next = fresh.get(range)?.address;
          const address =
            next !== undefined && next <= range.last ? next : released.get(range)?.address;
          if (address === undefined) return undefined;
          // The constraints decide: a taken address changes nothing here (the transaction
          // then fails below), and a container cannot hold two.
          const taken = take.run({ address, container, at: now() }).changes === 1;
          if (!taken) throw new Error(`address ${address} is another container's`);
          return address;
        })
        .immediate();
    },
  };
}
