"""Sentences marked by hand with where a subtitler must not break them (shared by
tests/test_craft.py and .bench/craft.py). Written and marked independently of layout.break_cost.

Between two words: a space is a break a subtitler may take; "=" never (an article or determiner
and its noun, a preposition and its object, a first and last name); "~" inside a noun or verb
phrase a subtitler avoids (auxiliary | verb, pronoun | verb, verb | infinitive "to", adjective |
noun, number | unit, a conjunction and its clause, parts of a compound).
"""

SENTENCES = [
    "It's~going~to~be~at=32~degrees tomorrow, so~bring=a=warm~coat and~a=hat.",
    "That's=the=deal. There~you~have~it, the=best~offer we~have~made this=year.",
    "Supported by=Health=Education=England in=association with=the=Department of=Health, "
    "the=video~presents a=series of=scenarios.",
    "Lisa=Cooper, the=deputy~director at=NHS=England, said that~the=team~would~report any=concerns "
    "to=the=police.",
    "If~you~feel~uncomfortable or~suspect that~something~is~going~on, it~is your=duty to~seek advice "
    "from=a=senior~colleague.",
    "The=nurse noticed that~the=girl had~missed several~appointments at=the=clinic in=the=last~month.",
    "We~will~meet at=the=front~entrance of=the=hospital at=half~past~nine on=Monday~morning.",
    "Dr=Amina=Hussain and~Professor=Lisa=Bayliss-Pratt will~speak at=the=conference in=Manchester "
    "next~week.",
    "A=community~pharmacist may~be the=first~person to~notice that~a=young~person is at=risk.",
    "Wash your=hands before and after=every=visit, and~use the=gel by=the=door.",
    "The=temperature dropped to=minus~five~degrees overnight, and~the=roads were~covered in=ice.",
    "You~can~call the=helpline at=any=time of=the=day or~night, and~someone~will~answer.",
    "Her=mother said that~she~had~been~staying with=friends in=another=town for=a=few~weeks.",
    "After=the=break, we'll~look~at=how~the=heart pumps blood around=the=body.",
    "The=results of=the=blood~test will~be~ready by=Thursday~afternoon at=the=latest.",
    "Professor=Sarah=Gilbert led the=team that~developed the=vaccine at=Oxford.",
    "Most=children recover within=a=week, but~some~need~to~stay in=hospital for=longer.",
    "When~you~arrive, please~give your=name and~date of=birth to=the=receptionist.",
    "The=new~guidance applies to=all=staff who~work with=children and~young~people.",
    "In=the=film, Nicki talks~about=her=experiences at=the=hands of=a=gang in=the=north of=England.",
    "I~think we~should~try~to~finish the=first~chapter before=the=end of=the=lecture.",
    "There~are three~things to~remember: keep~calm, stay~safe and~ask~for=help.",
    "Anyone who~is~worried about=a=child should~contact the=local~council straight~away.",
    "The=lecture starts at=nine~o'clock sharp in=room~four of=the=main~building.",
]

# The demo's published words (transcripts/cse-signs-demo/cse-signs-demo.edit.txt), marked the same way.
DEMO = """
Helping healthcare~staff spot the=signs of=child~sexual~exploitation.
A=new~video aimed at=helping health and~social~care~professionals to~spot possible~signs of=child~sexual~exploitation
(CSE) is~being~launched today.
Supported by=Health=Education=England (HEE), in=association with=the=Department of=Health and~NHS=England,
the=video presents a=series of=scenarios involving a=young~person potentially at=risk of=CSE and~uses the=voice
of=a=real-life~victim who~talks about=her=experiences at=the=hands of=a=CSE~gang.
The=video, now available to~view from=the=HEE~website, also~includes scenes with=a=community~pharmacist,
a=GP, a=community~nurse and~a=paramedic, alerting them to=the=warning~signs that~may~suggest an=individual
was at=risk of=CSE.
While~the=film highlights the=issue of=CSE, it~also~provides practical~advice on=what~to~do if~healthcare~professionals
and~others suspect a=patient or~person in=their=care is at=risk and~makes it clear that~there~is a=responsibility
to~report any=activity that~they~think is suspicious.
Lisa=Cooper, Deputy~Director~Quality~and~Safeguarding at=NHS=England (Cheshire~and~Merseyside) said:
Professional~curiosity is something that~health~practitioners have innately within=them.
If~for=some=reason you~feel~uncomfortable or~suspect that~something~is~going~on, it~is your=duty
as=that=practitioner to~ensure that~you~seek advice and~guidance on=the=next~steps.
In=the=film Nicki, a=victim of=CSE, provides advice for=healthcare~professionals and~others, such~as=community~pharmacists.
Healthcare~professionals have the=power to~prevent situations like=mine happening again.
That=one=phone~call could~take just a=few~minutes could~actually~save a=child's=life.
Professor=Lisa=Bayliss-Pratt, Director of=Nursing and~Deputy~Director of=Education and~Quality at=Health=Education=England said:
CSE and~the=grooming of=young~people is an=illegal~activity and~can~have long-term~healthcare~consequences for=the=vulnerable.
While~the=police and~other~agencies are~working hard to~clamp~down on=this=crime, healthcare~workers and~other~professionals
who~could~come into=contact with=young~people need support and~guidance on=spotting the=signs of=exploitation.
This=video provides simple and~straightforward~advice and~features not~just expert~opinion, but~also insights
from=someone who~has~suffered at=the=hands of=abusers.
"""


def parse(marked: str) -> tuple[list[str], dict[int, str]]:
    """(words, {k: mark}) where mark is "=" or "~" for the join between words[k-1] and words[k]."""
    words, marks = [], {}
    for chunk in marked.split():
        pieces = []
        token = ""
        for ch in chunk:
            if ch in "=~":
                pieces.append((token, ch))
                token = ""
            else:
                token += ch
        pieces.append((token, None))
        for text, mark in pieces:
            words.append(text)
            if mark:
                marks[len(words)] = mark
    return words, marks


def breaks_of(cues) -> list[int]:
    """Word indices k (a break before the k-th word of the laid-out words) of every line and cue break."""
    out, k = [], 0
    for cue in cues:
        if k:
            out.append(k)
        if len(cue.lines) == 2:
            out.append(k + len(cue.lines[0].split()))
        k += len(cue.words)
    return out
