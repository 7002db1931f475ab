import { describe, expect, it } from "vitest";
import { addressNumber, addressText, parseContainerNetwork } from "../../src/container-network.js";

describe("parseContainerNetwork", () => {
  it("puts the host on the first address and containers on the rest but the broadcast", () => {
    const network = parseContainerNetwork("10.100.0.0/24");
    expect(network).toEqual({
      cidr: "10.100.0.0/24",
      hostAddress: "10.100.0.1",
      first: addressNumber("10.100.0.2"),
      last: addressNumber("10.100.0.254"),
    });
    expect(parseContainerNetwork("192.168.8.0/29")).toMatchObject({
      hostAddress: "192.168.8.1",
      first: addressNumber("192.168.8.2"),
      last: addressNumber("192.168.8.6"),
    });
  });

  it("says what is wrong with anything else", () => {
    expect(parseContainerNetwork("10.100.0.1/24")).toBe(
      "10.100.0.1/24 is not a network's own address (the network is 10.100.0.0/24)",
    );
    expect(parseContainerNetwork("8.8.8.0/24")).toMatch(/not private/);
    expect(parseContainerNetwork("10.0.0.0/8")).toMatch(/from \/16 to \/29/);
    expect(parseContainerNetwork("10.100.0.0/30")).toMatch(/from \/16 to \/29/);
    expect(parseContainerNetwork("10.100.0.256/24")).toMatch(/expected a private IPv4 network/);
    expect(parseContainerNetwork("fd00::/64")).toMatch(/expected a private IPv4 network/);
  });
});

describe("addressText and addressNumber", () => {
  it("are each other's inverse", () => {
    for (const text of ["0.0.0.0", "10.100.0.7", "172.31.255.254", "255.255.255.255"])
      expect(addressText(addressNumber(text) as number)).toBe(text);
    expect(addressNumber("10.100.0")).toBeUndefined();
    expect(addressNumber("10.100.0.300")).toBeUndefined();
  });
});
