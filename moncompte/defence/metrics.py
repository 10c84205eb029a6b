"""R-BOT1: what Prometheus reads about attack mode (the state itself is read from the database at each
scrape, by moncompte.web.views.metrics; these count what happened, in every process)."""

from prometheus_client import Counter

switches = Counter("moncompte_attack_mode_switches", "Changements du mode attaque", ["direction", "source"])
trips = Counter(
    "moncompte_velocity_trips",
    "Signaux de vitesse au-dessus de leur seuil (7 jours de référence)",
    ["signal", "scope"],
)
