"""R-CAP5, THE CI-SIZED REFERENCE ATTACK (bench.captcha_attack.ci_attack): the two strongest solvers of each kind
in the full runs (scan and decode, colour-blind column slices with an MLP; windows at learned onsets, energy-cut
pieces + log-mel with an MLP: CI_SOLVERS) learn from 300 pictures and 300 sounds rendered by the project's own
generator, then read 20 fresh ones of each kind. The full attack (`python -m bench.captcha_attack --http`: 2,000
samples, 200 challenges offline, 100 over HTTP) prints the figures; this one fails when the best solver reads more than
10 % of either kind. It is weaker than the full attack (300 samples teach less than 2,000): passing it is
necessary, not sufficient. About two minutes of CPU (scan and decode trains 85 s of it)."""

import pytest

from bench import captcha_attack as attack

# No database, nothing of one: the PostgreSQL pass would train and read exactly the same samples again.
pytestmark = pytest.mark.without_database

CI_LIMIT = 0.10
TRAIN, CHALLENGES = 300, 20


@pytest.fixture(scope="module")
def ci_sized() -> dict[str, dict[str, float]]:
    return attack.ci_attack(train_count=TRAIN, challenge_count=CHALLENGES)


def test_r_cap5_ci_sized_attack_learned_and_answered_every_challenge(ci_sized):
    # Not blind: the rates below mean something only if the solvers read what they trained on and answer.
    for kind in ("picture", "sound"):
        assert ci_sized[kind]["answered"] >= 0.9, kind
        assert ci_sized[kind]["training_chars"] >= 0.5, kind


def test_r_cap5_ci_sized_trained_attack_reads_at_most_10_percent_of_pictures(ci_sized):
    assert ci_sized["picture"]["solved"] <= CI_LIMIT, ci_sized["picture"]


def test_r_cap5_ci_sized_trained_attack_reads_at_most_10_percent_of_sounds(ci_sized):
    assert ci_sized["sound"]["solved"] <= CI_LIMIT, ci_sized["sound"]
