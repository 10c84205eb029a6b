"""What the picture and sound solvers of the reference attack share: the classifiers, and probabilities laid
over the whole alphabet (so that a picture and a sound can be added character by character)."""

import time
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Protocol

import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits


class Model(Protocol):
    classes_: np.ndarray

    def fit(self, rows: np.ndarray, labels: list[str]) -> "Model": ...

    def predict_proba(self, rows: np.ndarray) -> np.ndarray: ...


class SoftmaxSVC:
    """An SVC whose one-versus-rest scores become probabilities by a softmax (Platt's calibration,
    SVC(probability=True), costs five more fits and did worse on the sounds)."""

    def __init__(self, seed: int) -> None:
        self.svc = SVC(C=10, gamma="scale", random_state=seed)

    def fit(self, rows: np.ndarray, labels: list[str]) -> "SoftmaxSVC":
        self.svc.fit(rows, labels)
        self.classes_ = self.svc.classes_
        return self

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        scores = self.svc.decision_function(rows)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(scores / scores.sum(axis=1, keepdims=True))


def model(kind: str, seed: int) -> Model:
    """ "svc" or "mlp"; one thread each (n_jobs=1: the machine is shared)."""
    if kind == "svc":
        return SoftmaxSVC(seed)
    mlp: Model = MLPClassifier(
        hidden_layer_sizes=(256,), alpha=1e-3, max_iter=300, early_stopping=True, random_state=seed
    )
    return mlp


def laid_over(alphabet: str, fitted: Model, known: np.ndarray) -> np.ndarray:
    """The model's probabilities (one row per piece, one column per class it saw) over the whole alphabet."""
    out = np.full((known.shape[0], len(alphabet)), 1e-6)
    for column, label in enumerate(fitted.classes_):
        out[:, alphabet.index(label)] += known[:, column]
    return np.asarray(out / out.sum(axis=1, keepdims=True))


@dataclass
class Score:
    solved: int = 0
    chars: int = 0
    total: int = 0
    letters: int = 0  # characters of the true answers
    cpu: float = 0.0
    train_cpu: float = 0.0
    work: float = 0.0  # CPU spent on the proof of work (HTTP)
    notes: dict[str, int] = field(default_factory=dict)

    def add(self, guess: str, answer: str, cpu: float, *, solved: bool | None = None) -> None:
        self.total += 1
        self.letters += len(answer)
        self.solved += (guess == answer) if solved is None else solved
        self.chars += characters_right(guess, answer)
        self.cpu += cpu

    def line(self, kind: str, name: str, where: str) -> str:
        rate, chars = self.solved / max(1, self.total), self.chars / max(1, self.letters)
        notes = "  " + ", ".join(f"{k}: {v}" for k, v in sorted(self.notes.items())) if self.notes else ""
        if self.work:
            notes += f"  work CPU {1000 * self.work / max(1, self.total):.0f} ms/challenge"
        return (
            f"{kind:<8} {name:<34} {where:<8} {self.solved:4d}/{self.total:<4d} {100 * rate:5.1f} %   "
            f"{100 * chars:5.1f} %   {1000 * self.cpu / max(1, self.total):7.1f} ms   {self.train_cpu:6.0f} s{notes}"
        )


def characters_right(guess: str, answer: str) -> int:
    """Position by position when the guess has the answer's length; otherwise the characters of the longest
    matching runs in order (a count guessed wrong shifts the rest, a positional count would say nothing)."""
    if len(guess) == len(answer):
        return sum(a == b for a, b in zip(guess, answer, strict=True))
    return sum(block.size for block in SequenceMatcher(None, guess, answer, autojunk=False).get_matching_blocks())


def guess_of(probabilities: np.ndarray | None, letters: str) -> str:
    return "" if probabilities is None else "".join(letters[i] for i in probabilities.argmax(axis=1))


def read(solver: Any, data: bytes) -> tuple[np.ndarray | None, float]:
    """What a solver reads, and its CPU seconds (one thread)."""
    started = time.process_time()
    with threadpool_limits(1):
        probabilities = solver.read(data)
    return probabilities, time.process_time() - started


def combine(
    picture_p: np.ndarray | None, p_letters: str, sound_p: np.ndarray | None, s_letters: str
) -> tuple[str, str]:
    """The "both" reading: per-character probabilities of picture and sound added (as logs) over one alphabet.
    When they cannot be added (not the same length), the picture's reading alone, and the reason."""
    if picture_p is None or sound_p is None or picture_p.shape[0] != sound_p.shape[0]:
        return guess_of(picture_p, p_letters), "not combinable: the picture's reading sent"
    letters = "".join(sorted(set(p_letters) | set(s_letters)))
    total = np.zeros((picture_p.shape[0], len(letters)))
    for probabilities, own in ((picture_p, p_letters), (sound_p, s_letters)):
        laid = np.full_like(total, 1e-6)
        laid[:, [letters.index(c) for c in own]] += probabilities
        total += np.log(laid)
    return guess_of(total, letters), ""


@dataclass
class Readings:
    """Offline results: scores by (kind, solver), and what each solver read, to combine picture and sound."""

    scores: dict[tuple[str, str], Score] = field(default_factory=dict)
    read: dict[tuple[str, str], list[tuple[np.ndarray | None, float]]] = field(default_factory=dict)
    answers: dict[str, list[str]] = field(default_factory=dict)

    def best(self, kind: str) -> str:
        names = [n for k, n in self.scores if k == kind]
        return max(names, key=lambda n: (self.scores[kind, n].solved, self.scores[kind, n].chars))

    def both(self, combined: Any) -> Score:
        """The best picture solver and the best sound solver on the same challenges, added together."""
        score = Score()
        pictures, sounds = self.read["picture", self.best("picture")], self.read["sound", self.best("sound")]
        for index, ((pp, p_cpu), (sp, s_cpu)) in enumerate(zip(pictures, sounds, strict=True)):
            guess, reason = combined(pp, sp)
            answers = (self.answers["picture"][index], self.answers["sound"][index])
            score.add(guess, guess if guess in answers else answers[0], p_cpu + s_cpu)
            if reason:
                score.notes[reason] = score.notes.get(reason, 0) + 1
        return score


def fitted_all(solvers: dict[str, Any], samples: list[tuple[str, bytes]]) -> dict[str, tuple[Any, float]]:
    """Each solver fitted on the samples (one thread): {name: (solver, training CPU seconds)}. Solvers of one
    family read the samples once (`warm`); each one's time counts that reading and its own fitting."""
    trained, reading = {}, {}
    for name, solver in solvers.items():
        started, family = time.process_time(), type(getattr(solver, "inner", solver))  # a wrapper: its solver's
        if family not in reading:
            solver.warm(samples)
            reading[family] = time.process_time() - started
            started = time.process_time()
        with threadpool_limits(1):
            solver.fit(samples)
        trained[name] = (solver, reading[family] + time.process_time() - started)
    return trained
