"""R-SUP4: does a domain receive mail? A DNS lookup (MX, else an address, RFC 5321) with a short timeout;
"cannot tell" when offline or the resolver fails, so the diagnosis then says nothing."""

import dns.exception
import dns.resolver

from moncompte.core.conf import conf


def domain_has_mail_servers(domain: str) -> bool | None:
    resolver = dns.resolver.Resolver()
    resolver.lifetime = conf().support_dns_timeout_seconds
    try:
        answer = resolver.resolve(domain, "MX")
        # A "null MX" (RFC 7505: one record, preference 0, host ".") says the domain takes no mail.
        return not all(str(record.exchange) == "." for record in answer)
    except dns.resolver.NXDOMAIN:
        return False
    except dns.resolver.NoAnswer:
        try:
            resolver.resolve(domain, "A")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return False
        except dns.exception.DNSException:
            return None
        return True
    except dns.exception.DNSException:
        return None
