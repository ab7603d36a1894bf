"""Believing a reverse proxy's X-Forwarded-For and X-Forwarded-Proto (TRUSTED_PROXIES), and only its.

The client's address is what the rate limits count and 操作日志 records; behind nginx it arrives in
X-Forwarded-For. A client that reaches the app's port directly could send that header itself, so with
TRUSTED_PROXY_ADDRESSES only connections from those addresses have it read. X-Forwarded-Host is never
read: nginx passes the browser's own Host (README), and a Host a client picks would be taken for ours.
"""
import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def networks(addresses):
    """The networks of ``addresses`` (IP addresses or networks as text); ValueError naming a bad one."""
    parsed = []
    for address in addresses:
        try:
            parsed.append(ipaddress.ip_network(address.strip(), strict=False))
        except ValueError:
            raise ValueError(address) from None
    return tuple(parsed)


class TrustedProxyFix:
    """WSGI middleware: ProxyFix (``hops`` proxies' X-Forwarded-For and -Proto) for the connections from
    ``addresses``, or from anywhere when none are given; other connections are served as they came."""

    def __init__(self, wsgi_app, hops, addresses=()):
        self.wsgi_app = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
        self.networks = networks(addresses)

    def _trusted(self, remote_addr):
        if not self.networks:
            return True
        try:
            address = ipaddress.ip_address(remote_addr or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)
