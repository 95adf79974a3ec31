"""Agreement of the scoring engine with human labels: Cohen's kappa and evidence precision.

    python benchmarks/agreement.py [--engine rules|openai] [--quick] [--persuasion DIR]
                                   [--marks lead|all|missed|nearest]
                                   [--calls DIR] [--heldout DIR] [--cache FILE]

Sets:
- sales dev (tests/data/calls) and sales held-out (tests/data/heldout): calls written for the
  project, labels `<methodology>/<criterion>: met|partly_met|not_met`, evidence turns tagged;
  retrieval as in the pipeline (review.index + review.retrieve, in-memory chromadb); kappa over
  the three verdicts.
- real (PersuasionForGood, benchmarks/data/persuasion or --persuasion DIR with the same layout:
  dialogues/*.txt + labels.json): 11 strategies, presence per dialogue (score > 0), kappa per
  strategy against the dialogue's labels; scored with the YAML methodology written from the
  scheme's definitions (persuasion.yaml) and with the team playbook (playbook.md) imported by the
  same code as `callreview methodology import`. Only the REPORTING half is scored: a dialogue is in
  the tuning half when the first 8 hex digits of sha256(id) are even. The judge's constants were
  set on the tuning half only.
- learning curve: kappa and evidence precision on the reporting half after N labelled tuning-half
  dialogues were given as manager feedback (an override per criterion, a right / wrong mark on the
  judge's lead quote), fitted and applied by the product's code (review.calibration), N = 0, 5, 10,
  20, 50; with `--half tune`, scored on the tuning dialogues not labelled.
- `--half all` scores every dialogue of the set: for a labelled set kept apart from tuning
  (`--persuasion DIR`), where nothing needs holding back.

Evidence precision ("prec"): of the criteria the engine found present, the share whose lead quote
is a turn the humans tagged for it (sales: the turn's evidence tags; real: a sentence of the turn is
labelled with the strategy); "all" counts every quote cited; "right" counts only the criteria the
humans found present too (how well the quote is chosen where the verdict is right; "prec" also pays
for every false "present").

Engines: rules (the offline default: the rules engine with the discriminating judge deciding
presence; `--no-judge` for the rules alone) or openai (any OpenAI-compatible endpoint from the
settings, CALLREVIEW_LLM_BASE_URL / _MODEL / _API_KEY). Sentence vectors are cached in --cache
(default ~/.cache/callreview/agreement-embeddings.pkl) so a second run costs little CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from review import calibration, judge  # noqa: E402
from review.formats import load_transcript  # noqa: E402
from review.methodology import LoadedMethodology, load_methodology_file  # noqa: E402
from review.playbook.build import slugify  # noqa: E402
from review.sentence_model import CallLabels  # noqa: E402
from review.settings import load_settings  # noqa: E402
from review.types import Candidate, Transcript  # noqa: E402
from testkit.dialogue import dialogue_to_transcript, load_dialogue  # noqa: E402
from testkit.playbook import playbook_to_methodology  # noqa: E402

VERDICTS = ["met", "partly_met", "not_met"]
PERSUASION = REPO / "benchmarks" / "data" / "persuasion"
CURVE = (0, 5, 10, 20, 50)
HALF_NAMES = {"report": "reporting half", "tune": "tuning half", "all": "every dialogue"}
HALF_NOTES = {"report": "tuned on the other half", "tune": "the half tuned on",
              "all": "for a set kept apart: nothing was tuned on it"}
REP_SPEAKER = "Persuader"


def cohen_kappa(a: list, b: list) -> float | None:
    """Cohen's kappa of two raters over the same items; None when undefined (chance agreement 1)."""
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    cats = set(a) | set(b)
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in cats)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def split_half(dialogue_id: str) -> str:
    """'tune' or 'report', fixed by the id's hash (the same for a held-out set kept elsewhere)."""
    return "tune" if int(hashlib.sha256(dialogue_id.encode()).hexdigest()[:8], 16) % 2 == 0 else "report"


class CachedEmbed:
    """The configured embedding function with a text -> vector cache (optionally on disk)."""

    def __init__(self, settings, path: Path | None):
        from review.embeddings import make_embedding_function

        self.inner = make_embedding_function(settings)
        self.path = path
        self.cache: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            self.cache = pickle.loads(path.read_bytes())
        self.added = 0

    def __call__(self, input: list[str]) -> np.ndarray:  # noqa: A002 (chromadb's argument name)
        missing = [t for t in dict.fromkeys(input) if t not in self.cache]
        if missing:
            for text, vector in zip(missing, self.inner(missing), strict=True):
                self.cache[text] = np.asarray(vector, dtype=np.float32)
            self.added += len(missing)
        if not input:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.cache[t] for t in input])

    @staticmethod
    def name() -> str:
        return "agreement-cached"

    def get_config(self) -> dict:
        return {"inner": getattr(self.inner, "get_config", dict)()}

    def save(self) -> None:
        if self.path is not None and self.added:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(self.cache))
            os.replace(tmp, self.path)


class Table:
    """Per criterion: (label, predicted) pairs and evidence hits."""

    def __init__(self):
        self.pairs: dict[str, list[tuple]] = defaultdict(list)
        self.lead: dict[str, list[bool]] = defaultdict(list)
        self.quotes: dict[str, list[bool]] = defaultdict(list)
        self.lead_agreed: dict[str, list[bool]] = defaultdict(list)  # lead quotes where the humans agree

    def add(self, key: str, label, predicted, cited_ok: list[bool]) -> None:
        self.pairs[key].append((label, predicted))
        if cited_ok:
            self.lead[key].append(cited_ok[0])
            self.quotes[key] += cited_ok
            if label is True or label in ("met", "partly_met"):
                self.lead_agreed[key].append(cited_ok[0])

    def kappas(self) -> dict[str, float | None]:
        return {k: cohen_kappa([a for a, _ in v], [b for _, b in v]) for k, v in self.pairs.items()}

    def lead_precision(self) -> float:
        lead = [x for v in self.lead.values() for x in v]
        return sum(lead) / len(lead) if lead else float("nan")

    def mean_kappa(self) -> float:
        ks = [k for k in self.kappas().values() if k is not None]
        return float(np.mean(ks)) if ks else float("nan")

    def print(self, title: str) -> None:
        print(f"\n{title}")
        print(f"{'criterion':44} {'n':>4} {'agree':>6} {'kappa':>6} {'prec':>6} {'all':>6} {'right':>6}")
        every_l, every_p = [], []
        for key in sorted(self.pairs):
            labels, preds = zip(*self.pairs[key], strict=True)
            every_l += labels
            every_p += preds
            agree = sum(a == b for a, b in self.pairs[key]) / len(labels)
            k = cohen_kappa(list(labels), list(preds))
            print(f"{key:44} {len(labels):>4} {agree:>6.0%} {_f(k):>6} {_rate(self.lead[key]):>6} "
                  f"{_rate(self.quotes[key]):>6} {_rate(self.lead_agreed[key]):>6}")
        lead = [x for v in self.lead.values() for x in v]
        quotes = [x for v in self.quotes.values() for x in v]
        agreed = [x for v in self.lead_agreed.values() for x in v]
        agree = sum(a == b for a, b in zip(every_l, every_p, strict=True)) / max(len(every_l), 1)
        print(f"{'ALL (pooled kappa)':44} {len(every_l):>4} {agree:>6.0%} {_f(cohen_kappa(every_l, every_p)):>6} "
              f"{_rate(lead):>6} {_rate(quotes):>6} {_rate(agreed):>6}")
        print(f"{'MEAN kappa over criteria':44} {'':>4} {'':>6} {_f(self.mean_kappa()):>6}")


def _f(k: float | None) -> str:
    return "n/a" if k is None or k != k else f"{k:.2f}"


def _rate(hits: list[bool]) -> str:
    return f"{sum(hits) / len(hits):.0%}" if hits else "-"


def _all_turns(transcript: Transcript, methodology) -> dict[str, list[Candidate]]:
    return {c.id: [Candidate(criterion_id=c.id, segment_ids=[s.id], focal_segment_id=s.id, speaker=s.speaker,
                             role=s.role, start=s.start, end=s.end, text=s.text, similarity=0.0)
                   for s in transcript.segments] for c in methodology.criteria}


class Scorer:
    """One engine + judge setting, scoring a transcript against a loaded methodology."""

    def __init__(self, settings, embed: CachedEmbed, engine, use_judge: bool):
        self.settings, self.embed, self.engine, self.use_judge = settings, embed, engine, use_judge
        self._index = None
        self._criterion_vectors: dict[str, dict] = {}
        self.seconds = 0.0

    def index(self):
        if self._index is None:
            import chromadb

            from review.index import CallIndex

            self._index = CallIndex(self.settings, client=chromadb.EphemeralClient(), embedding_function=self.embed)
        return self._index

    def judgements(self, transcript: Transcript, loaded: LoadedMethodology) -> dict[str, judge.Judgement]:
        key = loaded.sha256
        if key not in self._criterion_vectors:
            self._criterion_vectors[key] = judge.embed_criteria(loaded.methodology.criteria, self.embed)
        return judge.judge_call(transcript, loaded.methodology.criteria, self.embed, self._criterion_vectors[key])

    def score(self, call_id: str, transcript: Transcript, loaded: LoadedMethodology, retrieval: str,
              judgements: dict | None = None):
        from review.retrieve import retrieve_candidates
        from review.score import score_call

        t0 = time.perf_counter()
        if retrieval == "real":
            index = self.index()
            index.index_methodology(loaded)
            index.index_transcript(call_id, transcript)
            candidates = retrieve_candidates(index, call_id, transcript, loaded.methodology)
        else:
            candidates = _all_turns(transcript, loaded.methodology)
        if judgements is None and self.use_judge and self.engine is None:
            judgements = self.judgements(transcript, loaded)
        card = score_call(transcript, loaded, candidates, self.engine, self.settings,
                          judgements=judgements if self.engine is None else None)
        self.seconds += time.perf_counter() - t0
        return card


def sales_set(folder: Path, scorer: Scorer, methodologies: dict[str, LoadedMethodology]) -> Table:
    table = Table()
    for path in sorted(folder.glob("*.yaml")):
        dialogue = load_dialogue(path)
        transcript = dialogue_to_transcript(dialogue)
        for mid, loaded in methodologies.items():
            wanted = {k.split("/", 1)[1]: v for k, v in dialogue.labels.items() if k.startswith(mid + "/")}
            if not wanted:
                continue
            card = scorer.score(dialogue.id, transcript, loaded, "real")
            for cs in card.criteria:
                if cs.id in wanted and wanted[cs.id] in VERDICTS:
                    verdict = "not_met" if cs.verdict == "not_applicable" else cs.verdict
                    ok = [f"{mid}/{cs.id}" in dialogue.turns[q.segment_id].evidence for q in cs.evidence]
                    table.add(f"{mid}/{cs.id}", wanted[cs.id], verdict, ok if cs.score > 0 else [])
    return table


class RealSet:
    """The labelled real dialogues: transcripts, dialogue labels and which turn holds which strategy."""

    def __init__(self, folder: Path, limit: int | None = None, half: str = "report"):
        labels_path = folder / "labels.json"
        if not labels_path.is_file():
            raise SystemExit(f"agreement: {labels_path} is missing; --persuasion needs dialogues/*.txt + labels.json")
        self.labels = json.loads(labels_path.read_text(encoding="utf-8"))
        ids = sorted(self.labels, key=lambda i: hashlib.sha256(i.encode()).hexdigest())
        self.tune = [i for i in ids if split_half(i) == "tune"]
        # the half scored: the reporting half, the tuning half while tuning (`--half tune`), or every
        # dialogue of a set kept apart (`--half all`)
        self.report = [i for i in ids if half == "all" or split_half(i) == half][:limit]
        self.folder = folder
        self._transcripts: dict[str, Transcript] = {}

    def transcript(self, dialogue_id: str) -> Transcript:
        if dialogue_id not in self._transcripts:
            self._transcripts[dialogue_id] = load_transcript(self.folder / "dialogues" / f"{dialogue_id}.txt",
                                                             rep_speaker=REP_SPEAKER)
        return self._transcripts[dialogue_id]

    def present(self, dialogue_id: str, strategy: str) -> bool:
        return strategy in self.labels[dialogue_id]["strategies"]

    def turn_holds(self, dialogue_id: str, segment_text: str, strategy: str) -> bool:
        text = " ".join(segment_text.split())
        return any(strategy in s["strategies"] and " ".join(s["text"].split()) in text
                   for turn in self.labels[dialogue_id]["turns"] for s in turn["sentences"])


def strategy_map(loaded: LoadedMethodology, reference: LoadedMethodology) -> dict[str, str]:
    """criterion id -> strategy label: the YAML's ids are the labels; imported criteria by name."""
    by_name = {slugify(c.name, c.id): c.id for c in reference.methodology.criteria}
    out = {}
    for c in loaded.methodology.criteria:
        key = c.id if c.id in {r.id for r in reference.methodology.criteria} else by_name.get(slugify(c.name, c.id))
        if key:
            out[c.id] = key
    return out


def real_set(data: RealSet, scorer: Scorer, loaded: LoadedMethodology, strategies: dict[str, str],
             cached: dict | None = None, ids: list[str] | None = None) -> Table:
    table = Table()
    for did in data.report if ids is None else ids:
        transcript = data.transcript(did)
        judgements = None
        if scorer.engine is None and scorer.use_judge:
            judgements = (cached or {}).get(did) or scorer.judgements(transcript, loaded)
        card = scorer.score(did, transcript, loaded, "all-turns", judgements)
        for cs in card.criteria:
            if cs.id not in strategies:
                continue
            label = strategies[cs.id]
            ok = [data.turn_holds(did, transcript.segment(q.segment_id).text, label)
                  for q in cs.evidence] if cs.score > 0 else []
            table.add(label, data.present(did, label), cs.score > 0, ok)
    return table


def manager_feedback(data: RealSet, dialogue_id: str, transcript: Transcript, judgements: dict,
                     strategies: dict[str, str], quotes: int | None = 1, missed: bool = False,
                     nearest: bool = False) -> dict[str, CallLabels]:
    """What a manager gives on one reviewed call, per criterion: an override (present or not, from the
    dialogue's labels) and a right / wrong mark on the judge's first `quotes` quotes (None: all) where
    it cited any (right when a sentence of that turn is labelled with the strategy); with `missed`,
    where the strategy is there but no quote marked shows it, the rep's first turn that does (the
    app's "Add a moment the AI missed"); with `nearest`, where the judge found it absent, its closest
    moment marked right when it holds the strategy (the app's "It shows it" under that moment)."""
    out = {}
    for cid, j in judgements.items():
        if cid not in strategies:
            continue
        label = CallLabels(present=data.present(dialogue_id, strategies[cid]))
        for turn in j.evidence[:quotes] if j.present else []:
            right = data.turn_holds(dialogue_id, transcript.segment(turn).text, strategies[cid])
            (label.right if right else label.wrong).append(turn)
        if nearest and not j.present and j.evidence \
                and data.turn_holds(dialogue_id, transcript.segment(j.evidence[0]).text, strategies[cid]):
            label.right.append(j.evidence[0])
        if missed and label.present and not label.right:
            label.right += [s.id for s in transcript.segments
                            if s.role == "rep" and data.turn_holds(dialogue_id, s.text, strategies[cid])][:1]
        out[cid] = label
    return out


def _marked_quotes(feedback: dict, views: dict, ids: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """The marked quotes as review.store.marked_quotes gives them (criterion -> right, wrong sentences)."""
    marks: dict[str, tuple[list[str], list[str]]] = {}
    for d in ids:
        for cid, label in feedback[d].items():
            for side, turns in ((0, label.right), (1, label.wrong)):
                for turn in turns:
                    marks.setdefault(cid, ([], []))[side].append(
                        " ".join(s.text for s in views[d].sentences if s.segment_id == turn))
    return marks


def learning_curve(data: RealSet, scorer: Scorer, loaded: LoadedMethodology, strategies: dict[str, str],
                   sizes=CURVE, quotes: int | None = 1, missed: bool = False, nearest: bool = False) -> list[tuple]:
    """Per N: (N, mean kappa and evidence precision with the marked quotes as the judge's examples
    only (the former way), the same with the sentence models (what the product does), criteria
    calibrated).

    N labelled tuning-half calls give what a manager gives (manager_feedback: an override per criterion
    and a right / wrong mark on the first `quotes` quotes cited); the product's code
    fits on it (review.calibration.fit_criterion on the calls as the judge sees them) and decides
    (review.calibration.judge_view). Scored: the reporting half, or with --half tune the tuning
    dialogues not among the labelled ones.
    """
    criteria = loaded.methodology.criteria
    base = judge.embed_criteria(criteria, scorer.embed)
    tune_ids = data.tune[:max(sizes)]
    scored = [d for d in data.report if d not in set(tune_ids)]

    def views_of(ids, vectors):
        return {d: judge.view_call(data.transcript(d), criteria, scorer.embed, vectors) for d in ids}

    tune_views = views_of(tune_ids, base)
    feedback = {d: manager_feedback(data, d, data.transcript(d), judge.view_verdicts(v, criteria), strategies,
                                    quotes, missed, nearest) for d, v in tune_views.items()}
    out = []
    for n in sizes:
        labelled = data.tune[:n]
        marked = judge.embed_criteria(criteria, scorer.embed, _marked_quotes(feedback, tune_views, labelled))
        marked_views = views_of(scored, marked)
        report_views = marked_views if calibration.PROBES_FROM_MARKS else views_of(scored, base)
        train_views = views_of(labelled, marked) if calibration.PROBES_FROM_MARKS else tune_views
        active = {}
        for c in criteria:
            model = calibration.fit_criterion(c.id, [(train_views[d], feedback[d][c.id]) for d in labelled
                                                     if c.id in feedback[d]])
            if model is not None:
                active[c.id] = calibration.ActiveCalibration(model, 1)
        plain = real_set(data, scorer, loaded, strategies,
                         {d: judge.view_verdicts(v, criteria) for d, v in marked_views.items()}, scored)
        learned = real_set(data, scorer, loaded, strategies,
                           {d: calibration.judge_view(v, criteria, active) for d, v in report_views.items()}, scored)
        out.append((n, plain.mean_kappa(), plain.lead_precision(), learned.mean_kappa(), learned.lead_precision(),
                    len(active)))
    return out


def load_methodologies() -> dict[str, LoadedMethodology]:
    out = {}
    for path in sorted((REPO / "methodology").glob("*.yaml")):
        loaded = load_methodology_file(path, origin="shipped")
        out[loaded.methodology.id] = loaded
    return out


def imported_playbook(path: Path) -> LoadedMethodology:
    """The playbook as `callreview methodology import` turns it into a methodology (no LLM)."""
    methodology = playbook_to_methodology(path.read_text(encoding="utf-8"), path.name)
    sha = hashlib.sha256(methodology.model_dump_json().encode()).hexdigest()
    return LoadedMethodology(methodology=methodology, path=path, sha256=sha, origin="team")


def make_engine(name: str, settings):
    """None for the offline engine; the OpenAI-compatible engine when an endpoint is configured."""
    if name == "rules":
        return None
    from review.llm import make_chat_engine

    if not settings.llm_base_url:
        return "skip"
    return make_chat_engine(load_settings(llm_engine="openai"))


def curve_sizes(text: str, available: int) -> tuple[int, ...]:
    """The --curve sizes: ascending, distinct, none above the tuning dialogues there are."""
    try:
        sizes = sorted({int(n) for n in text.split(",") if n.strip()})
    except ValueError:
        raise SystemExit(f"agreement: --curve {text!r}: give whole numbers separated by commas, e.g. 0,5,10") from None
    if not sizes or sizes[0] < 0 or sizes[-1] > available:
        raise SystemExit(f"agreement: --curve {text!r}: sizes go from 0 to {available} (the tuning dialogues)")
    return tuple(sizes)


def main(argv: list[str] | None = None, engine=None) -> int:
    """Run the benchmark; `engine` overrides --engine (tests pass a fake ChatEngine here)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="rules", choices=["rules", "openai"])
    parser.add_argument("--no-judge", action="store_true", help="the rules engine alone (before the judge)")
    parser.add_argument("--quick", action="store_true", help="40 reporting dialogues, curve to 20, YAML only")
    parser.add_argument("--persuasion", default=str(PERSUASION), metavar="DIR")
    parser.add_argument("--calls", default=str(REPO / "tests" / "data" / "calls"), metavar="DIR")
    parser.add_argument("--heldout", default=str(REPO / "tests" / "data" / "heldout"), metavar="DIR")
    parser.add_argument("--half", default="report", choices=["report", "tune", "all"],
                        help="score the real set's tuning half instead (for tuning; figures come from report), "
                             "or all of it (a labelled set kept apart from tuning, given with --persuasion)")
    parser.add_argument("--sets", default="dev,heldout,real,curve", help="comma-separated subset")
    parser.add_argument("--marks", default="lead", choices=["lead", "all", "missed", "nearest"],
                        help="learning curve: the simulated manager marks the lead quote, every quote cited, "
                             "the lead quote and a moment the AI missed, or the lead quote and the closest "
                             "moment of a criterion found absent when it shows it")
    parser.add_argument("--curve", default=None, metavar="N,N,...",
                        help="learning curve sizes (default 0,5,10,20,50; up to the tuning half's size, e.g. "
                             "0,50,100,133 to see where more corrections lead)")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "callreview" / "agreement-embeddings.pkl"))
    args = parser.parse_args(argv)

    settings = load_settings()
    if engine is None:
        engine = make_engine(args.engine, settings)
        if engine == "skip":
            print("agreement: --engine openai needs an endpoint: set CALLREVIEW_LLM_BASE_URL (and _MODEL, "
                  "_API_KEY); skipped")
            return 0
    embed = CachedEmbed(settings, Path(args.cache) if args.cache else None)
    scorer = Scorer(settings, embed, engine, use_judge=not args.no_judge)
    sets = set(args.sets.split(","))
    name = "rules" if engine is None else getattr(engine, "name", "llm")
    label = f"{name}{' + judge' if engine is None and scorer.use_judge else ''}"
    print(f"engine: {label}")
    try:
        methodologies = load_methodologies()
        for key, folder in (("dev", args.calls), ("heldout", args.heldout)):
            if key in sets:
                sales_set(Path(folder), scorer, methodologies).print(
                    f"sales {key} set ({folder}), verdicts met / partly_met / not_met")
        folder = Path(args.persuasion)
        if sets & {"real", "curve"}:
            data = RealSet(folder, limit=40 if args.quick else None, half=args.half)
            yaml_m = load_methodology_file(folder / "persuasion.yaml", origin="shipped") \
                if (folder / "persuasion.yaml").is_file() else load_methodology_file(PERSUASION / "persuasion.yaml")
            playbook = folder / "playbook.md" if (folder / "playbook.md").is_file() else PERSUASION / "playbook.md"
            shapes = [("YAML methodology", yaml_m)]
            if not args.quick:
                shapes.append(("imported playbook", imported_playbook(playbook)))
                # the same playbook holding the YAML's example phrases: what the import loses, apart
                # from what the team's document does not say
                control = playbook.with_name("playbook_yaml_examples.md")
                if control.is_file():
                    shapes.append(("imported playbook, the YAML's examples", imported_playbook(control)))
            if "real" in sets:
                for title, loaded in shapes:
                    real_set(data, scorer, loaded, strategy_map(loaded, yaml_m)).print(
                        f"real set ({folder}), {title}, {HALF_NAMES[args.half]}: {len(data.report)} dialogues "
                        f"({HALF_NOTES[args.half]}), presence per strategy")
            if "curve" in sets and engine is None and scorer.use_judge:
                sizes = curve_sizes(args.curve, len(data.tune)) if args.curve else \
                    tuple(n for n in CURVE if n <= (20 if args.quick else 50))
                marked = {"lead": "the judge's lead quote", "all": "every quote the judge cited",
                          "missed": "the judge's lead quote, and a moment the AI missed where none shows it",
                          "nearest": "the judge's lead quote, and the closest moment of a criterion found absent "
                                     "(right when it shows it)"}[args.marks]
                scored = {"report": f"the {len(data.report)} reporting dialogues",
                          "tune": f"the tuning dialogues after the first {max(sizes)}",
                          "all": f"the dialogues other than the first {max(sizes)} tuning ones"}[args.half]
                print(f"\nlearning curve (YAML methodology): N labelled tuning-half calls as manager feedback (an "
                      f"override per criterion, a right / wrong mark on {marked}), scored on {scored}.\n"
                      "  marks only: the judge with the marked quotes as extra good / poor examples (the former way);\n"
                      "  learned: each criterion's sentence model fitted on the feedback (review.calibration; what\n"
                      "  the product does);\n"
                      "  kappa: mean over criteria; prec: share of present verdicts whose lead quote holds a sentence\n"
                      "  labelled with the strategy")
                print(f"{'N':>4} {'marks only':>11} {'prec':>6} {'learned':>8} {'prec':>6} {'criteria calibrated':>20}")
                for n, k0, p0, k1, p1, calibrated in learning_curve(
                        data, scorer, yaml_m, strategy_map(yaml_m, yaml_m), sizes,
                        quotes=None if args.marks == "all" else 1, missed=args.marks == "missed",
                        nearest=args.marks == "nearest"):
                    print(f"{n:>4} {k0:>11.2f} {p0:>6.0%} {k1:>8.2f} {p1:>6.0%} {calibrated:>20}")
    finally:
        embed.save()
    print(f"\nscoring time: {scorer.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
