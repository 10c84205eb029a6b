"""R-DLV4: the email provider of an address, by name, for the funnel: the 20 largest for French addresses,
everything else as "autres" (a metric label must have few values)."""

PROVIDERS: dict[str, tuple[str, ...]] = {
    "gmail": ("gmail.com", "googlemail.com"),
    "orange": ("orange.fr", "wanadoo.fr"),
    "outlook": ("hotmail.fr", "hotmail.com", "outlook.fr", "outlook.com", "live.fr", "live.com", "msn.com"),
    "yahoo": ("yahoo.fr", "yahoo.com", "ymail.com"),
    "free": ("free.fr",),
    "sfr": ("sfr.fr", "neuf.fr", "cegetel.net", "club-internet.fr", "numericable.fr", "noos.fr"),
    "laposte": ("laposte.net",),
    "icloud": ("icloud.com", "me.com", "mac.com"),
    "bouygues": ("bbox.fr",),
    "aol": ("aol.com", "aol.fr"),
    "gmx": ("gmx.fr", "gmx.com", "gmx.net", "gmx.de"),
    "proton": ("protonmail.com", "proton.me", "pm.me"),
    "alice": ("aliceadsl.fr", "alice.fr"),
    "mailo": ("mailo.com", "netcourrier.com"),
    "yandex": ("yandex.com", "yandex.ru"),
    "mail.com": ("mail.com",),
    "tutanota": ("tutanota.com", "tuta.io"),
    "zoho": ("zoho.com", "zohomail.eu"),
    "skynet": ("skynet.be",),
    "bluewin": ("bluewin.ch",),
}
OTHER = "autres"
_BY_DOMAIN = {domain: name for name, domains in PROVIDERS.items() for domain in domains}


def provider_of(address: str) -> str:
    return _BY_DOMAIN.get(address.rpartition("@")[2].strip().lower(), OTHER)
