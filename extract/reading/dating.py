"""Date an incident: which of a story's date mentions tells when its offence happened, looked for where the story
tells that incident (extract.text.dates.incident_date holds the order of preference)."""

from __future__ import annotations

from itertools import takewhile

from extract.reading.story import Sentence, Story, sentence_at, tells_the_case
from extract.records import Mention
from extract.text import dates
from extract.text.dates import DateMention


def incident_date(story: Story, main: Sentence, mention: Mention | None, *, lead: bool) -> DateMention | None:
    """Return the mention dating the incident told in `main` whose scene is named at `mention`, or None.

    Looked for in the scene's sentence, in `main`, before it, then in the rest of their paragraphs and, for the
    story's `lead` incident, in the later sentences naming a crime or giving specifics, up to one that tells
    another incident (an aside, a separate one); last, for the lead only, in a police reference. Sentences
    telling another incident are never used. A further incident of a round-up reads its paragraph only up to
    the next incident sentence.
    """
    text = story.text
    sentences = story.sentences
    at = sentence_at(sentences, mention.start) if mention else -1
    scene = sentences[at] if at >= 0 and mention and mention.start < sentences[at].end else None
    later = [s for s in story.incident_sentences if s.start > main.start]
    limit = len(text) if lead else next((s.start for s in later), len(text))
    following = [(main.end, min(_paragraph_end(text, main), limit))]
    if scene is not None and scene.start != main.start:
        following.append((scene.end, _paragraph_end(text, scene)))
    # What a court heard, and the sentence right after it, tell the case: their "last year" is no older incident.
    told = [tells_the_case(story, s) for s in sentences] if lead else []  # read once, looked at for two sentences
    heard = {s.start for k, s in enumerate(sentences) if lead and (told[k] or (k > 0 and told[k - 1]))}
    if lead:
        after = sentences[sentence_at(sentences, main.start) + 1 :]
        same = takewhile(lambda s: _same_incident(s) or s.start in heard, after)
        following.extend((s.start, s.end) for s in same if _tells_crime(s) or s.start in heard)
    ours = {main.start, scene.start if scene else main.start} | heard
    skip = [(s.start, s.end) for s in sentences if (s.aside or s.separate) and s.start not in ours]
    return dates.incident_date(
        story.dates,
        sentence=(main.start, main.end),
        scene=(scene.start, scene.end) if scene else None,
        following=following,
        skip=skip,
        references=lead,
        heard=[(s.start, s.end) for s in sentences if s.start in heard],
    )


def _same_incident(s: Sentence) -> bool:
    """Whether a sentence after an incident's may still tell it: it recalls no other crime and opens no other."""
    return not (s.aside or s.separate)


def _tells_crime(s: Sentence) -> bool:
    """Whether a sentence names a crime, gives specifics (an age, police at a scene) or says when something happened
    ("at around 8.30am on Monday"): one whose date may be the crime's."""
    return bool(s.specific or s.when) or any(c.type for c in s.cues)


def _paragraph_end(text: str, s: Sentence) -> int:
    """Where the paragraph holding `s` ends, at most FOLLOWING_CHARS past it: a text without line breaks is not
    one paragraph."""
    limit = min(len(text), s.end + dates.FOLLOWING_CHARS)
    end = text.find("\n", s.end, limit)
    return limit if end == -1 else end
