"""The service's own settings, one frozen dataclass per concern; `moncompte.core.conf.Settings` joins them.

Every field is documented where it is declared, with the rule it serves; its default is the value
docs/rules.md gives. Any field can be set from the environment as MONCOMPTE_<NAME IN CAPITALS>
(moncompte/config/env.py reads and checks them once, at start-up)."""
