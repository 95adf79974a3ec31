"""Wording rules: criterion names, natural "Did the rep ...?" questions, example lines, keywords.

Pure functions over strings, so each rule is testable on its own.
"""

from __future__ import annotations

import re
from typing import Literal

from .blocks import clean

Polarity = Literal["good", "poor"]
QuestionSource = Literal["given", "derived", "guessed"]

# "Good:", "Avoid:", "Don't say:" ... at the start of a line: what follows is an example phrase.
_GOOD_LABELS = r"good|great|strong|better|best|say|do say|try|try saying|example|examples|good examples?|" \
               r"e\.g\.|for example|sounds like|what good sounds like|model answer|instead say|" \
               r"ask|you could ask|sample questions?|questions to ask|listen for|what to listen for"
_POOR_LABELS = r"avoid|bad|poor|weak|don'?t say|do not say|don'?t|never say|not|red flags?|bad examples?|" \
               r"poor examples?|instead of|what to avoid|watch out for"
_LABEL = re.compile(rf"^\s*(?:({_POOR_LABELS})|({_GOOD_LABELS}))\s*(?:[:\-–—]\s*|$|(?=[\"“«‘']))(.*)$", re.I)
_QUOTE = re.compile(r"[\"“”«»]([^\"“”«»]+)[\"“”«»]|(?<!\w)[‘']([^‘’']{3,}?)[’'](?!\w)")
_QUESTION_LABEL = re.compile(r"^\s*(?:scoring question|question|q|ask yourself|check)\s*[:\-–—]\s*(.+)$", re.I)
_GIVEN_QUESTION = re.compile(r"^(did|does|do|has|have|was|were|is|are|can|could)\s+\S.*\?$", re.I)
_NUMBERING = re.compile(r"^\s*(?:(?:step|stage|phase|part)\s*\d+\s*[:.)\-–—]?\s*|\d+(?:\.\d+)*[.):](?=\s)\s*|\d+(?:\.\d+)+\s+|"
                        r"[a-z][.)]\s+)", re.I)
_BOLD_LEAD = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*[:.\-–—]?\s*(.*)$")
_NAME_SPLIT = re.compile(r"\s*:\s+|\s*:$|\s+[-–—]\s+")
_CLAUSE = re.compile(r"\s*(?:[,;(]|\s[-–—]\s|\sso that\s|\sby\s)")

STOPWORDS = set(
    """a about above after again all also an and any are as at be because been before being both but by
    can could did do does doing down during each few for from further had has have having he her here
    how i if in into is it its itself just me more most my no nor not now of off on once only or other
    our out over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your set get rep reps customer customers buyer buyers call calls ask asks asked make
    sure good avoid example examples don't didn't whether themselves himself herself someone something
    explicitly""".split()
)
# Imperatives that can follow "Did the rep ..." as they are.
VERBS = set(
    """acknowledge address agree align anchor ask avoid book build capture challenge check clarify close
    compare confirm connect cover define demo demonstrate describe dig discover discuss document end
    establish explain explore find follow frame gain get give greet handle highlight identify introduce
    invite keep lead learn link list listen make map mention mirror name note offer open outline
    paraphrase pause pin play position prepare present prioritise prioritize probe propose prove qualify
    quantify question raise recap recommend record reframe repeat restate review schedule secure send
    set share show speak start state suggest summarise summarize tailor take talk teach test thank tie
    uncover understand use validate verify walk write leave
    appeal argue cite empathise say empathize encourage evoke express reassure remind tell try""".split()
)
# Words that are nouns as often as imperatives: "Close plan agreed" is a noun phrase, not an order.
NOUNISH = set("close demo review use set test map name question recap check book plan schedule follow "
              "open pitch lead record offer list".split())
DETERMINERS = set("the a an their our his her its your my this that these those each every any all some no "
                  "one two three four five both either at several multiple more fewer many".split())
MASS_NOUNS = set("rapport trust urgency pain value credibility authority need timing interest alignment "
                 "consensus commitment budget next".split()) - {"budget", "next"}
_IRREGULAR_PARTICIPLES = {"set": "set", "made": "make", "given": "give", "shown": "show", "done": "do",
                          "known": "know", "taken": "take", "held": "hold", "sent": "send", "met": "meet",
                          "built": "build", "understood": "understand", "found": "find", "tied": "tie"}
_PARTICIPLE = re.compile(r"^(?:\w+ed|" + "|".join(_IRREGULAR_PARTICIPLES) + ")$", re.I)


def example_label(text: str) -> tuple[Polarity, str] | None:
    """("good" | "poor", what follows) when `text` starts with an example label, else None.

    "Good: the rep names a figure" (a description, not a phrase) is not an example line: after
    "Good"/"Strong"/"Better" only quoted text counts.
    """
    match = _LABEL.match(clean(text))
    if not match:
        return None
    rest = match.group(3).strip()
    label = (match.group(1) or match.group(2)).lower()
    if rest and label in ("good", "great", "strong", "better", "best", "not", "ask", "listen for",
                          "what to listen for") and not quoted_phrases(rest):
        return None  # "Ask: who signs off" is a check; 'Ask: "Who signs off?"' an example phrase
    return ("poor" if match.group(1) else "good"), rest


# "What good looks like: ..." at the start of a line: what the criterion means, not a criterion.
_DESCRIPTION_LABEL = re.compile(
    r"^\s*(?:what good looks like|good looks like|what great looks like|looks like|success looks like|"
    r"definition|defined as|what it means|what we listen for|listen for|the standard|standard)\s*[:\-–—]\s*(.+)$",
    re.I)


# "0 = never asks", "Score 2: the buyer confirms", "1 pt - asked once": one level of the check's own scale.
_LEVEL_LINE = re.compile(r"^\s*(?:score\s*|level\s*)?([0-5])\s*(?:pts?\b|points?\b)?\s*[=:\-–—]\s*(\S.*)$", re.I)


def level_line(text: str) -> tuple[int, str] | None:
    """(score, what it means) when `text` states one level of a scale ("0 = rep never asks"), else None."""
    match = _LEVEL_LINE.match(clean(text))
    return (int(match.group(1)), match.group(2).strip().rstrip(".")) if match else None


def description_label(text: str) -> str | None:
    """What a "What good looks like: ..." line says the criterion means (the label dropped), else None."""
    match = _DESCRIPTION_LABEL.match(clean(text))
    return match.group(1).strip() if match else None


def quoted_phrases(text: str) -> list[str]:
    """The phrases inside quotation marks ("...", “...”, '...')."""
    return [clean(a or b).strip(" ,.;") for a, b in _QUOTE.findall(text) if clean(a or b).strip(" ,.;")]


def is_quote_line(text: str) -> bool:
    """A line that is an example phrase: it is mostly text inside quotation marks."""
    text = clean(text)
    phrases = quoted_phrases(text)
    if not phrases or text[:1] not in "\"“«‘'":
        return False
    outside = _QUOTE.sub(" ", text)
    return len(re.findall(r"\w+", outside)) <= 4  # a trailing "(good)" or "— Dana, top rep" is allowed


def given_question(text: str) -> str | None:
    """The scoring question a line states ("Question: Did the rep ...?"), else None."""
    text = clean(text)
    labelled = _QUESTION_LABEL.match(text)
    if labelled:
        question = labelled.group(1).strip()
        return question if question.endswith("?") else question + "?"
    return text if _GIVEN_QUESTION.match(text) else None


def is_question_label(text: str) -> bool:
    """A line that labels a scoring question ("Question: ...", "Q: ...")."""
    return _QUESTION_LABEL.match(clean(text)) is not None


def strip_numbering(text: str) -> str:
    """'2. Discovery' / 'Step 3: Close' -> 'Discovery' / 'Close'."""
    stripped = _NUMBERING.sub("", text, count=1).strip()
    return stripped or text.strip()


def _without_symbols(text: str) -> str:
    """Emoji and other pictographs at either end dropped ('Metrics 📈' -> 'Metrics')."""
    import unicodedata

    def decorative(c: str) -> bool:
        return unicodedata.category(c) in ("So", "Sk", "Cf", "Mn") or c in "\ufe0f\u200d"

    start, end = 0, len(text)
    while start < end and (decorative(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (decorative(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def heading_name(text: str) -> str:
    """A heading as a section or criterion name: '2. "Not now":' -> 'Not now', '📈 Metrics' -> 'Metrics'."""
    name = _without_symbols(strip_numbering(_without_symbols(clean(text)))).rstrip(":.").strip()
    return re.sub(r'^[\"“](.+)[\"”]$', r"\1", name).strip() or name


def split_name(text: str) -> tuple[str, str, bool]:
    """(name, explanation, shortened) of a check: '**Budget** - confirm the amount' -> ('Budget',
    'confirm ...', False).

    A bold lead-in or 'Name: ...' / 'Name - ...' gives the name; otherwise the whole check is the
    name, shortened only at a clause boundary (never mid-phrase) when it is long. shortened: a check
    longer than MAX_NAME_WORDS was named by its opening phrase (`short_name`), a guess to report.
    """
    bold = _BOLD_LEAD.match(text)
    if bold and bold.group(3).strip():
        return clean(bold.group(2)).rstrip(":.").strip(), clean(bold.group(3)), False
    text = clean(text)
    parts = _NAME_SPLIT.split(text, maxsplit=1)
    name, rest = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
    if rest and len(name.split()) <= 12:  # "Asks their view of the charity or the task: ..." is a name
        return name.rstrip("."), rest, False
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)
    if len(sentences) > 1 and len(sentences[0].split()) <= 8:  # "Review usage. Walk through ..."
        return sentences[0].rstrip("."), sentences[1], False
    if len(text.split()) > 10:
        clause = _CLAUSE.split(text, maxsplit=1)[0].strip()
        if 2 <= len(clause.split()) < len(text.split()):
            name = short_name(clause)
            return name.rstrip("."), text, name != clause
    name = short_name(text)
    return (text.rstrip("."), "", False) if name == text else (name.rstrip("."), text, True)


MAX_NAME_WORDS = 20  # a check longer than this is named by its opening phrase; the whole check describes it
_NAME_JOINS = re.compile(r"\s(?:and|or|but|then|while|because|which|so|if|when|where|before|after|until|unless|"
                    r"as well as)\s", re.IGNORECASE)
_NAME_PREPOSITIONS = re.compile(r"\s(?:for|with|to|about|across|in|on|of|from|into|over|under|around|during)\s",
                           re.IGNORECASE)


def short_name(text: str) -> str:
    """A long check named by its opening phrase: cut before the last "and", "or", "because" ...
    that leaves 3 to MAX_NAME_WORDS words, else before such a preposition ("for", "across"), never
    mid-phrase; a check with no such place keeps every word."""
    if len(text.split()) <= MAX_NAME_WORDS:
        return text
    for joins in (_NAME_JOINS, _NAME_PREPOSITIONS):
        cuts = [m.start() for m in joins.finditer(text) if 3 <= len(text[:m.start()].split()) <= MAX_NAME_WORDS]
        if cuts:
            return text[:cuts[-1]].strip().rstrip(",;:")
    return text


def _keeps_case(word: str) -> bool:
    """An acronym ("ROI", "MEDDIC") or a mixed-case name ("McKinsey", "iPhone") keeps its case."""
    return word.isupper() and len(word) > 1 or (word[:1].isupper() and any(c.isupper() for c in word[1:]))


def _lower_first(text: str) -> str:
    """The name inside a sentence: its first word lower-cased, and every word of a Title Case name
    ("Economic Buyer" -> "economic buyer"); acronyms and mixed-case names keep their case."""
    words = text.split(" ")
    title_case = len([w for w in words if w[:1].isalpha()]) >= 2 and all(
        w[:1].isupper() for w in words if w[:1].isalpha() and w.lower() not in STOPWORDS)
    return " ".join(w if _keeps_case(w) or (i and not title_case) else w[:1].lower() + w[1:]
                    for i, w in enumerate(words))


def _base_verb(word: str) -> str | None:
    word = word.lower()
    candidates = [word]
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    return next((c for c in candidates if c in VERBS), None)


def _with_article(phrase: str, head_index: int) -> str:
    words = phrase.split()
    if not words:  # nothing left to name (e.g. a line that is only punctuation and a number)
        return phrase
    first, head = words[0].lower(), words[min(head_index, len(words) - 1)].lower()
    plural = head.endswith("s") and not head.endswith("ss")
    if first in DETERMINERS or first in MASS_NOUNS or plural or first[:1].isdigit() or words[0][:1].isupper() \
            and words[0].isupper() and len(words[0]) > 1 and len(words) == 1:
        return phrase
    return f"the {phrase}"


def _gerund(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][bdgklmnprt]", verb):  # one syllable, consonant-vowel-consonant
        return verb + verb[-1] + "ing"  # "set" -> "setting", "map" -> "mapping"
    return verb + "ing"


def skill_phrase(name: str) -> str:
    """A criterion's name inside a sentence. A behaviour named by its verb reads as what the rep
    does: "Asks for the donation" -> "asking for the donation" ("how do you think asking for the
    donation went?"), "Never criticise the competitor" -> "avoiding criticising the competitor"; a
    noun phrase keeps its words, lower-cased but for acronyms ("Economic Buyer" -> "economic buyer",
    "Open discovery questions", "Talk ratio" stay as they are)."""
    name = " ".join(name.split())
    words = re.sub(r"^(?:the\s+)?(?:sales\s+)?reps?\s+", "", name, flags=re.I).split()
    action = as_action(name) if words else None
    if action and not action.startswith("avoid "):
        first, *rest = action.split()
        said = re.sub(r"\W+$", "", words[0]).lower()
        follows = rest[0].lower() if rest else ""
        takes_object = follows in _OBJECT_START or follows in _PREPOSITIONS
        # "Asks ..." is a verb unless the word is a noun as often ("Questions asked"); "Ask ..." when
        # an object or a preposition follows ("Talk ratio", "Identify pain" stay names)
        if first in NOUNISH:  # "Questions about pain" is a noun; "Sets an example", "Demo the product" verbs
            takes_object = follows in _OBJECT_START
        verb = takes_object and said == first or said != first and _base_verb(said) == first \
            and (first not in NOUNISH or takes_object)
        if verb:
            return " ".join([_gerund(first), *rest])
    elif action:
        return "avoiding " + action.removeprefix("avoid ")
    return _done_to(name) or _lower_first(name)


def _participle_base(word: str) -> str | None:
    """'quantified' -> 'quantify', 'mapped' -> 'map', 'made' -> 'make'; None if not a known verb's."""
    word = word.lower()
    if word in _IRREGULAR_PARTICIPLES:
        return _IRREGULAR_PARTICIPLES[word]
    if not word.endswith("ed"):
        return None
    candidates = [word[:-1], word[:-2], word[:-3]] + ([word[:-3] + "y"] if word.endswith("ied") else [])
    return next((c for c in candidates if c in VERBS), None)


def _done_to(name: str) -> str | None:
    """A name that says what was done to something reads as the doing: "Pain quantified" ->
    "quantifying pain", "Agenda set at the start" -> "setting the agenda at the start", "Gap made
    explicit" -> "making the gap explicit" (None for any other name)."""
    words = name.split()
    for i in range(1, min(4, len(words))):
        base = _participle_base(re.sub(r"\W+$", "", words[i]))
        if base is None:
            continue
        thing = words[:i]
        first = re.sub(r"\W+$", "", thing[0]).lower()
        if _base_verb(first) and first not in NOUNISH or first in ("when", "if", "how", "why", "what", "who"):
            return None
        noun = _with_article(_lower_first(" ".join(thing)), len(thing) - 1)
        doing, rest = _gerund(base), words[i + 1:]
        if len(rest) >= 2 and rest[0].lower() in ("and", "or"):  # "Economic buyer identified and met"
            second = _participle_base(re.sub(r"\W+$", "", rest[1]))
            if second is None:
                return None
            doing, rest = f"{doing} {rest[0].lower()} {_gerund(second)}", rest[2:]
        return " ".join([doing, noun, *rest])
    return None


def as_action(text: str) -> str | None:
    """'Confirms the budget' / 'The rep must ask ...' -> 'confirm the budget' ...; None if no verb.

    A negative order ("Never criticise the competitor", "Don't pitch early") -> "avoid criticising ...".
    """
    negative = re.match(r"^(?:never|don'?t|do not|no)\s+([a-z]+)\b(.*)$", text.strip(), flags=re.I)
    if negative and not re.match(r"^(?:no)\s", text.strip(), flags=re.I):
        return _third_person(f"avoid {_gerund(negative.group(1).lower())}{negative.group(2)}")
    text = re.sub(r"^(the\s+)?(sales\s+)?reps?\s+((must|should|will|needs? to|has to|always)\s+)?", "",
                  text.strip(), flags=re.I)
    words = text.split()
    verb_after = _base_verb(re.sub(r"\W+$", "", words[1])) if len(words) > 1 and words[1].endswith("s") else None
    adverb = words[0].lower() if verb_after and verb_after not in NOUNISH \
        and re.fullmatch(r"[a-z]{3,}ly", words[0].lower()) else ""
    if adverb:  # "explicitly asks the buyer to sign": the adverb stays with its verb (not "Weekly reviews")
        words = words[1:]
    if not words:
        return None
    base = _base_verb(re.sub(r"\W+$", "", words[0]))
    if base is None:
        return None
    second = words[1].lower() if len(words) > 1 else ""
    if base in NOUNISH and second not in DETERMINERS and any(_PARTICIPLE.match(w) for w in words[1:5]):
        return None  # "Close plan agreed": a noun phrase with a participle
    if len(words) == 1 and base in NOUNISH:
        return None  # "Demo" alone is a topic, not an order
    return _third_person(_coordinated(" ".join([w for w in (adverb, base) if w] + words[1:])))


_COORDINATED = re.compile(r"\b(and|or|then)\s+([a-z]+s)\b(\s+\S+)?", re.I)
_OBJECT_START = DETERMINERS | {"them", "it", "him", "her", "up", "back", "how", "what", "who", "why", "whether"}
_PREPOSITIONS = {"about", "for", "with", "to", "if", "when", "on", "into", "through", "out", "in", "by", "from",
                 "over", "after", "before"}


def _coordinated(action: str) -> str:
    """'confirm time available and sets an agenda' -> '... and set an agenda': a second verb of the
    check takes the base form too, when an object follows it ('goals and challenges' stays)."""
    def base(match: re.Match) -> str:
        verb = _base_verb(match.group(2))
        after = (match.group(3) or "").strip().lower()
        if verb is None or verb == match.group(2).lower() or after not in _OBJECT_START:
            return match.group(0)
        return f"{match.group(1)} {verb}{match.group(3)}"

    return _COORDINATED.sub(base, action)


_SECOND_PERSON = {"you'll": "they'll", "you're": "they're", "you've": "they've", "you'd": "they'd",
                  "your": "their", "yours": "theirs", "yourself": "themselves", "you": "they"}


def _third_person(text: str) -> str:
    """A check written to the rep ("summarise what you heard") as a question about them."""
    return re.sub(r"\b(you'll|you're|you've|you'd|yourself|yours|your|you)\b",
                  lambda m: _SECOND_PERSON[m.group(1).lower()], text, flags=re.I)


def _participle_phrase(text: str) -> str | None:
    """'Next step agreed with a date' -> 'get the next step agreed with a date'; 'the buyer's
    must-haves are named' -> 'get the buyer's must-haves named'."""
    words = text.split()
    for i, word in enumerate(words[1:6], start=1):
        if _PARTICIPLE.match(word) and words[i - 1].lower() in ("is", "are", "was", "were", "gets", "got") and i >= 2:
            # "the buyer's must-haves are named and confirmed" -> "get the buyer's must-haves named and confirmed"
            subject = " ".join(words[:i - 1])
            return f"get {_with_article(_lower_first(subject), i - 2)} {' '.join(words[i:])}"
        if _PARTICIPLE.match(word) and words[i - 1].lower() not in DETERMINERS and i <= 4:
            return f"get {_with_article(_lower_first(text), i - 1)}"
    return None


def _reported_question(question: str) -> str:
    """'How do they handle dispatch today?' -> 'how they handle dispatch today'."""
    q = _lower_first(question.strip().rstrip("?").strip())
    q = re.sub(r"^(how|what|who|when|where|why|which)\s+do\s+", r"\1 ", q, flags=re.I)
    inverted = re.match(r"^(how|what|who|when|where|why|which)\s+(is|are)\s+(.+)$", q, flags=re.I)
    if inverted:
        q = f"{inverted.group(1)} {inverted.group(3)} {inverted.group(2)}"
    return q


def embedded_examples(text: str) -> list[tuple[Polarity, str]]:
    """Example phrases quoted inside a check: 'Ask "Who else signs off?"' -> [("good", "Who else signs off?")].

    A quote of two words or fewer is a mention ('not "next quarter"'), not an example; after
    "not", "never", "avoid" or "instead of" the phrase is a poor example.
    """
    found: list[tuple[Polarity, str]] = []
    for match in _QUOTE.finditer(clean(text)):
        phrase = clean(match.group(1) or match.group(2)).strip(" ,.;")
        if len(phrase.split()) < 3:
            continue
        before = " ".join(clean(text)[: match.start()].lower().split()[-3:])
        after = " ".join(clean(text)[match.end():].lower().split()[:4])
        poor = re.search(r"\b(not|never|avoid|instead of|don't|do not|rather than)\b", before) or re.match(
            r"^\W*(is|are)?\s*(banned|not allowed|forbidden|wrong|a no-go|bad)\b|^\W*\((avoid|poor|bad)\)", after)
        found.append(("poor" if poor else "good", phrase))
    return found


def _without_quotes(text: str) -> str:
    """A check without its example phrases: 'Check reactions ("How does that compare?")' -> 'Check reactions';
    a quoted mention keeps its words ('revisit, not "next quarter"' -> 'revisit, not next quarter')."""
    text = re.sub(r"\(\s*[\"“][^)]*\)", "", clean(text))
    if is_quote_line(text):
        return text

    def drop(match: re.Match) -> str:
        phrase = match.group(1) or match.group(2)
        return "" if len(phrase.split()) >= 3 else phrase

    stripped = re.sub(r"\s+([,.;?!])", r"\1", _QUOTE.sub(drop, text)).strip()
    # 'a calendar invite, not "I'll follow up"' -> 'a calendar invite': no "not" left pointing at nothing
    stripped = re.sub(r"[,;]?\s*\b(?:not|never|instead of|rather than|avoid|e\.\s?g\.?|such as)\s*([.;!?]?)$", r"\1",
                      stripped, flags=re.I).strip()
    return stripped if len(stripped.split()) >= 2 else text.strip()


def build_question(name: str, rest: str = "") -> tuple[str, QuestionSource]:
    """A natural yes/no check for a criterion, and whether the playbook gave it, it was derived
    from the check's own wording (an imperative or a question), or guessed from a noun phrase."""
    rest = _without_quotes(re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", clean(rest), maxsplit=1)[0]).rstrip(";")
    rest = re.split(r",?\s+\b(?:e\.\s?g\b|for example\b|for instance\b)", rest, maxsplit=1, flags=re.I)[0].rstrip(" ,;:")
    name = _without_quotes(name)
    for text in (rest, name):
        given = given_question(text) if text else None
        if given:
            return given, "given"
    for text, from_rest in ((rest.rstrip("."), True), (name.rstrip("."), False)):
        action = as_action(text) if text else None
        # "Keep these to two or three" speaks of the check, it is not one
        if action and not (from_rest and action.split()[1:2] in (["these"], ["them"], ["it"], ["this"], ["those"])):
            return f"Did the rep {action.rstrip('?.!')}?", "derived"
    if rest.endswith("?") and re.match(r"^(how|what|who|when|where|why|which|whether|if)\b", rest, re.I):
        return f"Did the rep ask {_reported_question(rest)}?", "derived"
    if re.match(r"^(how|what|who|when|where|why|which|whether)\s", rest, re.I) and not rest.endswith("?"):
        # "Decision process: who signs, what steps, ..." names what the rep finds out
        return f"Did the rep establish {_lower_first(rest.rstrip('.'))}?", "derived"
    for text in (name.rstrip("."), rest.rstrip(".")):
        participle = _participle_phrase(text) if text else None
        if participle:
            return f"Did the rep {participle}?", "guessed"
    rest = "" if rest.rstrip(".").lower() == name.rstrip(".").lower() else rest
    rest = re.sub(r"\s*\([^()]*\)", "", rest).strip()  # the detail goes in brackets: none inside it
    detail = f" ({_lower_first(rest.rstrip('.'))})" if rest and len(rest.split()) <= 12 else ""
    if re.search(r"\bquestions?\b", name, re.I):  # "At least two open questions about ..." is asked
        return f"Did the rep ask {_with_article(_lower_first(name.rstrip('.')), 0)}{detail}?", "guessed"
    phrase = _with_article(_lower_first(name.rstrip(".")), len(name.split()) - 1)
    return f"Did the rep establish {phrase}{detail}?", "guessed"


_ASK = re.compile(r"^did the rep (?:[a-z]+ly\s+)?ask\s+(.*)$", re.I)
_ASKED_WORDS = re.compile(r"^(whether|if|about|what|how|who|whom|whose|when|where|why|which|questions?)\b", re.I)
_REQUEST = re.compile(r"^(for|to)\b|^(\S+\s+){0,4}?(to|for)\s", re.I)


def is_asked_check(question: str) -> bool:
    """Whether the check is met only by a question: "Did the rep ask whether / about / the buyer's
    view ...?" is; a request ("ask for the order", "ask the buyer to sign") is not."""
    asked = _ASK.match(clean(question).rstrip("?"))
    if not asked:
        return False
    rest = asked.group(1)
    return bool(_ASKED_WORDS.match(rest)) or not _REQUEST.match(rest)
