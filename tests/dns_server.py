"""A real DNS server on 127.0.0.1 (UDP), answering by the name's first label, so that no test asks the
network's DNS (the worker asks about mail servers, R-SUP4). Every name has mail servers except:
`inexistant.*` and `*.invalid` (no such domain), `null-mx.*` (RFC 7505), `sans-mx.*` (no MX, an address),
`ipv6-seule.*` (no MX, an IPv6 address only), `sans-rien.*` (neither), `muet.*` (no answer: a timeout),
`panne.*` (server failure)."""

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)  # to see `stop` soon
        self.port: int = self.socket.getsockname()[1]
        self._stop = threading.Event()
        self.asked: list[tuple[str, str]] = []  # (name, type) in the order asked
        self._thread = threading.Thread(target=self._serve, name="test-dns", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, sender = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            reply = self._answer(dns.message.from_wire(wire))
            if reply is not None:
                self.socket.sendto(reply.to_wire(), sender)

    def _answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        name, kind = question.name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(question.rdtype)
        self.asked.append((name, kind))
        first = name.split(".")[0]
        reply = dns.message.make_response(query)
        if first == "muet":
            return None
        if first == "panne":
            reply.set_rcode(dns.rcode.SERVFAIL)
        elif first == "inexistant" or name.endswith(".invalid"):
            reply.set_rcode(dns.rcode.NXDOMAIN)
        elif kind == "MX" and first == "null-mx":
            reply.answer.append(dns.rrset.from_text(question.name, 300, "IN", "MX", "0 ."))
        elif kind == "MX" and first not in ("sans-mx", "ipv6-seule", "sans-rien"):
            reply.answer.append(dns.rrset.from_text(question.name, 300, "IN", "MX", f"10 mx.{name}."))
        elif kind == "A" and first == "sans-mx":
            reply.answer.append(dns.rrset.from_text(question.name, 300, "IN", "A", "192.0.2.25"))
        elif kind == "AAAA" and first == "ipv6-seule":
            reply.answer.append(dns.rrset.from_text(question.name, 300, "IN", "AAAA", "2001:db8::25"))
        return reply  # otherwise: the name exists, without records of that type

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()
