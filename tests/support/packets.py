"""What a hostile container sends, and the small servers that watch for it.

Used by tests/host/tenant-firewall.test.ts inside network namespaces (as root): every frame or
packet is built here byte by byte and sent from a raw socket, so nothing about it (its source
address, its MAC) is checked by the sender's own kernel.

  packets.py garp IFACE IP [MAC]          gratuitous ARP request and reply: IP is at MAC
  packets.py na IFACE IP6 [MAC]           unsolicited neighbour advertisement (override): IP6 at MAC
  packets.py frames IFACE MAC             broadcast frames whose source MAC is MAC (FDB learning)
  packets.py udp4 SRC DST PORT TEXT       an IPv4 UDP datagram from SRC, routed by the kernel
  packets.py udp6 SRC DST PORT TEXT       the same over IPv6
  packets.py echo ADDRESS PORT NAME       UDP server: answers every datagram with NAME
  packets.py ask ADDRESS PORT             sends "who", prints the answer (exit 1 after 3 s)
  packets.py listen ADDRESS PORT FILE     UDP server: appends "SOURCE TEXT" per datagram to FILE
  packets.py dns SERVER NAME              asks SERVER for NAME's A record, prints the first answer
"""

import socket
import struct
import sys

ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD


def mac_of(iface):
    with open(f"/sys/class/net/{iface}/address") as f:
        return f.read().strip()


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def send_frames(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for frame in frames:
        s.send(frame)
    s.close()


def garp(iface, ip, mac=None):
    mac = mac_bytes(mac or mac_of(iface))
    addr = socket.inet_aton(ip)
    frames = []
    for op, target_mac in ((1, b"\0" * 6), (2, b"\xff" * 6)):
        arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac + addr + target_mac + addr
        frames.append(b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp)
    send_frames(iface, frames)


def na(iface, ip6, mac=None):
    mac = mac_bytes(mac or mac_of(iface))
    src = socket.inet_pton(socket.AF_INET6, "fe80::" + mac.hex()[-4:])
    dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
    target = socket.inet_pton(socket.AF_INET6, ip6)
    # Type 136, flags: override (and solicited off, router off); option 2: target link-layer.
    body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target + struct.pack("!BB", 2, 1) + mac
    pseudo = src + dst + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
    header = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
    frame = b"\x33\x33\x00\x00\x00\x01" + mac + struct.pack("!H", ETH_P_IPV6) + header + body
    send_frames(iface, [frame])


def frames(iface, mac):
    payload = b"voxnix-test".ljust(46, b"\0")
    frame = b"\xff" * 6 + mac_bytes(mac) + struct.pack("!H", 0x88B5) + payload
    send_frames(iface, [frame] * 3)


def udp4(src, dst, port, text):
    data = text.encode()
    udp = struct.pack("!HHHH", 40000, port, 8 + len(data), 0) + data
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
        socket.inet_aton(src), socket.inet_aton(dst),
    )
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(header + udp, (dst, 0))


def udp6(src, dst, port, text):
    data = text.encode()
    s6, d6 = (socket.inet_pton(socket.AF_INET6, a) for a in (src, dst))
    udp = struct.pack("!HHHH", 40000, port, 8 + len(data), 0) + data
    pseudo = s6 + d6 + struct.pack("!I3xB", len(udp), 17)
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    header = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + s6 + d6
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(header + udp, (dst, 0))


def server(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, 19, 1)  # IP_FREEBIND: the address may come later
    s.bind((address, port))
    print("ready", flush=True)
    return s


def echo(address, port, name):
    s = server(address, port)
    while True:
        _, peer = s.recvfrom(2048)
        s.sendto(name.encode(), peer)


def ask(address, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"who", (address, port))
    try:
        print(s.recvfrom(2048)[0].decode())
    except socket.timeout:
        sys.exit(1)


def dns(server, name):
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    query = struct.pack("!HHHHHH", 0x5678, 0x0100, 1, 0, 0, 0) + question + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(query, (server, 53))
    try:
        reply = s.recvfrom(2048)[0]
    except socket.timeout:
        sys.exit(1)
    # The answer follows the question; a name pointer (2), type, class, TTL, length: 12 bytes.
    answers = struct.unpack("!H", reply[6:8])[0]
    if answers == 0:
        sys.exit(1)
    start = len(query) + 12
    print(socket.inet_ntoa(reply[start:start + 4]))


def listen(address, port, path):
    s = server(address, port)
    while True:
        data, peer = s.recvfrom(2048)
        with open(path, "a") as f:
            f.write(f"{peer[0]} {data.decode(errors='replace')}\n")


if __name__ == "__main__":
    verb, args = sys.argv[1], sys.argv[2:]
    port = {"udp4": 2, "udp6": 2, "echo": 1, "ask": 1, "listen": 1}.get(verb)
    if port is not None:
        args[port] = int(args[port])
    {
        "garp": garp, "na": na, "frames": frames, "udp4": udp4, "udp6": udp6,
        "echo": echo, "ask": ask, "listen": listen, "dns": dns,
    }[verb](*args)
