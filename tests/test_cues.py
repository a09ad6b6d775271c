"""find_cues on a small vocabulary written for the tests (a few types, listed phrases, a pattern and a small lexicon,
loaded by the real load_vocabulary from tmp_path), then regressions and incident types on the project's vocabulary."""

import pytest

from extract.records import ExtractError
from extract.text.cues import CrimeType, Cue, find_cues, incident_type, load_vocabulary, read_cues

TYPES = """slug,label,category,severity
homicide,Homicide,violence and sexual offences,100
stabbing,Stabbing,violence and sexual offences,90
robbery,Robbery,robbery,60
weapons_possession,Weapons possession,possession of weapons,45
bicycle_theft,Bicycle theft,bicycle theft,32
theft,Theft,other theft,30
other,Other crime,other crime,1
"""
CUES = """phrase,type,weapon,fatal,event
knife,,knife,,0
knife crime,,,,0
Murder,homicide,,1,0
attempted murder,,,0,0
gun,,gun,,0
hit-and-run,other,vehicle,,0
"""
PATTERNS = r"""# anchors: whole words
pattern,anchors,type,weapon,fatal,event
"\bhit and run (robbery|theft)\b",hit and run,robbery,,,1
"""
LEMMAS = """lemma,past,participle,ing,particle,type,weapon,fatal,frames,objects,fatal_forms,fatal_type,nouns,ambiguous
stab,stabbed,stabbed,stabbing,,stabbing,knife,,bare|passive|active|noun,person,to death,,stabbing,1
rob,robbed,robbed,robbing,,robbery,,,bare|passive|active,person,,,,1
steal,stole,stolen,stealing,,theft,,,passive|active,thing|bicycle=bicycle_theft,,,,1
"""
WORDS = """slot,word
auxiliary,was
auxiliary,were
auxiliary,had been
adverb,later
determiner,a
determiner,his
pronoun,him
stopword,on
stopword,in
person,man
person,boy
thing,phone
bicycle,bike
"""
WEAPONS = "noun,weapon,attack_type\nknife,knife,stabbing\n"
METHODS = "template,type,weapon,fatal,event\narmed with <weapon>,weapons_possession,<weapon>,,1\n"
SENSES = """word,role,sense
show,thing,entertainment
win,thing,sport
critics,agent,entertainment
heart,before,medical
striker,marker,sport
police,evidence,crime
"""


def write_vocabulary(folder, **files):
    contents = {
        "crime_types.csv": TYPES,
        "crime_cues.csv": CUES,
        "crime_patterns.csv": PATTERNS,
        "crime_lemmas.csv": LEMMAS,
        "crime_lexicon_words.csv": WORDS,
        "crime_weapons.csv": WEAPONS,
        "crime_methods.csv": METHODS,
        "crime_senses.csv": SENSES,
        "street_words.csv": "word,strength\nstreet,strong\nroad,strong\n",
    }
    for name, content in {**contents, **files}.items():
        (folder / name).write_text(content, encoding="utf-8")


@pytest.fixture
def vocab(tmp_path):
    write_vocabulary(tmp_path)
    return load_vocabulary(tmp_path)


def cue(phrase, start, type_=None, weapon=None, fatal=None, event=False, lemma="", kind="phrase"):
    return Cue(phrase, start, start + len(phrase), type_, weapon, fatal, event, lemma, kind)


def stab(phrase, start, kind="passive", fatal=None):
    return cue(phrase, start, "stabbing", "knife", fatal, True, "stab", kind)


def test_load_vocabulary(vocab):
    assert vocab.types["stabbing"] == CrimeType("stabbing", "Stabbing", "violence and sexual offences", 90)
    assert vocab.ambiguous == {"stab", "rob", "steal"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("A quiet day in Ealing.", []),
        ("A man was stabbed.", [stab("was stabbed", 6)]),
        ("A man WAS STABBED.", [stab("was stabbed", 6)]),
        ("A boy was later stabbed.", [stab("was later stabbed", 6)]),
        ("A man was stabbed to death.", [stab("was stabbed to death", 6, "fatal", True)]),
        ("He stabbed a man twice.", [stab("stabbed a man", 3, "active")]),
        ("He stabs a man twice.", [cue("stabs a man", 3, "stabbing", "knife", None, False, "stab", "active")]),
        ("A stabbing near the man.", [cue("stabbing", 2, "stabbing", "knife", None, False, "stab", "noun")]),
        ("Knife crime is up; a knife was found.", [cue("knife crime", 0), cue("knife", 21, weapon="knife")]),
        ("It was knife-crime again, police said.", [cue("knife crime", 7)]),
        ("A hit and run in Ealing.", [cue("hit and run", 2, "other", "vehicle")]),
        ("A hit-and-run theft in Ealing.", [cue("hit and run theft", 2, "robbery", event=True, kind="pattern")]),
        ("an attempted murder", [cue("attempted murder", 3, fatal=False)]),
        ("The gunner had begun to fire.", []),
        ("Shotgun, guns and a gun.", [cue("gun", 20, weapon="gun")]),
        ("He was unstabbed, stabbed2 and stabbed_x.", []),
        ("O\u2019Brien, a man, was robbed", [cue("was robbed", 16, "robbery", None, None, True, "rob", "passive")]),
        ("His bike was stolen.", [cue("bike was stolen", 4, "bicycle_theft", None, None, True, "steal", "passive")]),
        (
            "A man armed with a knife.",
            [cue("armed with a knife", 6, "weapons_possession", "knife", None, True, "armed with <weapon>", "method")],
        ),
    ],
)
def test_find_cues(vocab, text, expected):
    assert find_cues(text, vocab=vocab) == expected


def test_find_cues_uses_a_given_folded_text(vocab):
    text = "A man was Stabbed."
    assert find_cues(text, vocab=vocab, folded="a man was stabbed.") == [stab("was stabbed", 6)]


@pytest.mark.parametrize(
    "text, rejected",
    [
        ("The singer robbed the show on Sunday.", [("robbed", "thing: show")]),
        ("United were robbed of a win.", [("were robbed", "thing: win")]),
        ("The show was stabbed by critics.", [("was stabbed", "agent: critics")]),
        ("A heart stabbing pain.", [("stabbing", "before: heart")]),
        ("He was robbed, the striker said.", [("was robbed", "marker: striker")]),
        ("The striker was robbed in town.", []),  # the marker is the passive's subject: its victim
        ("The team robbed a man on Saturday.", []),  # a victim: kept
        ("She robbed on Saturday.", [("robbed", "no victim")]),
        ("The quiz was a stabbing.", [("stabbing", "predicate: was")]),
    ],
)
def test_read_cues_leaves_out_other_senses(vocab, text, rejected):
    kept, left_out = read_cues(text, vocab=vocab)
    assert [(c.phrase, reason) for c, reason in left_out] == rejected
    assert not {c.phrase for c in kept} & {phrase for phrase, _ in rejected}


@pytest.mark.parametrize(
    "text, phrases",
    [
        ("He was robbed, the striker told police.", ["was robbed"]),  # evidence outweighs a marker
        ("It was a stabbing, police said.", ["stabbing"]),  # "it": the incident itself
        ("A man was robbed of his phone.", ["was robbed"]),
    ],
)
def test_read_cues_keeps_crimes_in_context(vocab, text, phrases):
    assert [c.phrase for c in find_cues(text, vocab=vocab)] == phrases


@pytest.mark.parametrize(
    "files, message",
    [
        (
            {"crime_cues.csv": "phrase,type,weapon,fatal,event\nmugged,mugging,,,1\n"},
            "crime_cues.csv: unknown type 'mugging' for 'mugged'",
        ),
        (
            {"crime_patterns.csv": "pattern,anchors,type,weapon,fatal,event\nmugged,mugged,mugging,,,1\n"},
            "crime_patterns.csv: unknown type 'mugging'",
        ),
        (
            {"crime_cues.csv": "phrase,type,weapon,fatal,event\nwas stabbed,stabbing,knife,,1\n"},
            "crime_cues.csv: 'was stabbed' is a form of the lemma 'stab': list it once",
        ),
        (
            {"crime_senses.csv": "word,role,sense\nshow,object,entertainment\n"},
            "crime_senses.csv: row 1: unknown role 'object'",
        ),
        (
            {"crime_senses.csv": "word,role,sense\nShow,thing,entertainment\n"},
            "crime_senses.csv: row 1: 'Show' must be a non-empty lower-case word",
        ),
    ],
)
def test_load_vocabulary_fail(tmp_path, files, message):
    write_vocabulary(tmp_path, **files)
    with pytest.raises(ExtractError, match=message.replace("(", r"\(")):
        load_vocabulary(tmp_path)


@pytest.fixture(scope="module")
def project_vocab():
    return load_vocabulary()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Knife crime is rising.", [("knife crime", None, None)]),
        ("He was stabbed to death.", [("was stabbed to death", "stabbing", "knife")]),
        ("She was shot dead.", [("shot dead", "shooting", "gun")]),
        ("A man was arrested on suspicion of attempted murder.", [("attempted murder", "assault", None)]),
    ],
)
def test_knife_crime_masks_knife_in_the_project_vocabulary(project_vocab, text, expected):
    assert [(c.phrase, c.type, c.weapon) for c in find_cues(text, vocab=project_vocab)] == expected


@pytest.mark.parametrize(
    "text, phrases",
    [
        (
            "The pub raised money for charities including Shooting Stars Children Hospice and the British Heart "
            "Foundation.",
            [],
        ),
        ("Man Stabbed In Peckham Leaves Two Hurt", ["stabbed"]),
        ("He worked on the Great Train Robbery inquiry.", []),  # a capitalised word before it: a name
        ("Police said: Robbery is rising.", ["robbery"]),  # a sentence's opening word is no part of a name
    ],
)
def test_cue_inside_a_title_case_name_is_not_a_crime(project_vocab, text, phrases):
    assert [c.phrase for c in find_cues(text, vocab=project_vocab)] == phrases


@pytest.mark.parametrize(
    "main, story, expected",
    [
        pytest.param("A man was stabbed.", "", "stabbing", id="a specific crime in the main sentence"),
        pytest.param(
            "A man armed with a knife threatened staff.",
            "The robbery was the second. Another robbery followed.",
            "robbery",
            id="armed with a knife gives way to the robbery the story names",
        ),
        pytest.param(
            "A man armed with a knife was seen.",
            "Two were held for possession of a knife. A stabbing was feared.",
            "weapons_possession",
            id="a secondary crime the story names most stays",
        ),
        pytest.param("A man was attacked.", "The robbery happened at night.", "robbery", id="generic gives way"),
        pytest.param(
            "A man punched the boy and stole his phone.",
            "",
            "robbery",
            id="force and a theft in one sentence: a robbery",
        ),
        pytest.param("A man stabbed the boy and stole his phone.", "", "stabbing", id="more severe than a robbery"),
        pytest.param(
            "Two men armed with a machete stormed a betting shop and escaped with the contents of the till.",
            "",
            "robbery",
            id="armed, and a theft told by the loot taken away: a robbery",
        ),
        pytest.param(
            "A man threatened her with a hammer and cleared out the till.", "", "robbery", id="a threat and the till"
        ),
        pytest.param(
            "A man was punched but escaped with minor injuries.", "", "assault", id="escaping with injuries is no theft"
        ),
        pytest.param(
            "A nurse was hit over the head with a bottle after she asked a man to stop harassing her friend.",
            "",
            "assault",
            id="a generic crime does not give way to a means told beside it",
        ),
        pytest.param(
            "A man needed stitches after being attacked with a glass outside a pub.",
            "A window was smashed as the attacker fled.",
            "assault",
            id="an attack gives way to a crime of another kind only when it is named more",
        ),
        pytest.param(
            "A burglar pushed him back onto his bed.",
            "The burglar admitted aggravated burglary.",
            "burglary",
            id="an attack in a burglary: the burglary",
        ),
        pytest.param(
            "A rider was punched by a gang who stole his moped.", "", "robbery", id="a vehicle taken by violence"
        ),
        pytest.param(
            "Neighbours were threatened with a hammer by men who stole a motorbike.",
            "",
            "vehicle_crime",
            id="a vehicle taken, and a threat to others",
        ),
    ],
)
def test_incident_type(project_vocab, main, story, expected):
    main_cues = find_cues(main, vocab=project_vocab)
    story_cues = main_cues + find_cues(story, vocab=project_vocab)
    chosen = incident_type(main_cues, [], main_cues, story_cues, vocab=project_vocab)
    assert chosen is not None and chosen.type == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Two men were doused with what is believed to be bleach.",
            ("doused with what is believed to be bleach", "acid_attack", "corrosive", None),
        ),
        ("A pensioner was bludgeoned to death with a hammer.", ("was bludgeoned to death", "homicide", "other", True)),
        ("A man was blasted with a shotgun on his doorstep.", ("blasted with a shotgun", "shooting", "gun", None)),
        ("A racing bike was nicked from outside a cafe.", ("bike was nicked from", "bicycle_theft", None, None)),
        ("A man was bundled into a waiting taxi.", ("was bundled into", "kidnapping", None, None)),
        ("A conman posing as a police officer took her savings.", ("conman", "fraud", None, None)),
        ("Twenty cars had their tyres slashed overnight.", ("tyres slashed", "criminal_damage", None, None)),
        (
            "Thieves stole a catalytic converter from a Prius.",
            ("stole a catalytic converter", "vehicle_crime", None, None),
        ),
        ("He bled to death after a fight.", ("bled to death", None, None, True)),
        ("A father was beaten with metal poles by a gang.", ("beaten with metal poles", "assault", "other", None)),
        ("Police raided a crack den.", ("crack den", "drugs", None, None)),
        ("A mob hurled abuse at bar staff.", ("hurled abuse", "public_order", None, None)),
        ("A dispersal order was imposed.", ("dispersal order", "anti_social_behaviour", None, None)),
        ("Counter-terrorism police arrested a man.", ("counter terrorism police", "terrorism", None, None)),
        ("A rogue trader fleeced a pensioner.", ("fleeced a pensioner", "fraud", None, None)),
        ("£900 of meat was stolen from a supermarket.", ("stolen from a supermarket", "shoplifting", None, None)),
        ("Perfume was stolen from a branch of Boots.", ("stolen from a branch of boots", "shoplifting", None, None)),
        ("A satnav was stolen from three cars.", ("stolen from three cars", "vehicle_crime", None, None)),
        ("A Range Rover stolen from a driveway was found.", ("range rover stolen from", "vehicle_crime", None, None)),
        (
            "An Audi struck a woman before speeding off.",
            ("struck a woman before speeding off", "hit_and_run", "vehicle", None),
        ),
        (
            "The fire was being treated as deliberate.",
            ("treated as deliberate", "arson", "other", None),
        ),
        ("A gun was fired during a confrontation.", ("gun was fired", "shooting", "gun", None)),
        ("Intruders tunnelled through the wall.", ("intruders", "burglary", None, None)),
        (
            "Bogus builders tricked him into handing over £9,500.",
            ("tricked him into handing", "fraud", None, None),
        ),
        (
            "A woman was forced into the boot of a car.",
            ("forced into the boot of a car", "kidnapping", None, None),
        ),
        ("Brazen bike thieves were caught on camera.", ("bike thieves", "bicycle_theft", None, None)),
        ("Man charged after machete found under a seat.", ("machete found", "weapons_possession", "knife", None)),
        ("A man hurled bottles outside a pub.", ("hurled bottles", "assault", "other", None)),
        ("Drunken yobs hurled abuse at passers-by.", ("yobs", "anti_social_behaviour", None, None)),
        ("A shopper had her Rolex torn from her wrist.", ("torn from her wrist", "robbery", None, None)),
        ("Two men forced him to hand over his watch.", ("forced him to hand over", "robbery", None, None)),
        (
            "A thief swiped a purse from her handbag.",
            ("swiped a purse from her handbag", "theft_from_person", None, None),
        ),
        ("A thief was seen making off with an e-bike.", ("making off with an e bike", "bicycle_theft", None, None)),
        (
            "A boy was hit by a car whose driver sped off.",
            ("hit by a car whose driver sped off", "hit_and_run", "vehicle", None),
        ),
        ("More than 20 cars were keyed overnight.", ("cars were keyed", "criminal_damage", None, None)),
        ("A noxious liquid was thrown in her face.", ("a noxious liquid was thrown", "acid_attack", "corrosive", None)),
        ("Fireworks were thrown at buses.", ("fireworks were thrown at", "anti_social_behaviour", None, None)),
        ("A Lamborghini was stolen from outside a hotel.", ("lamborghini was stolen", "vehicle_crime", None, None)),
        ("A man was knocked unconscious by a single punch.", ("knocked unconscious", "assault", "none", None)),
        ("He walked out without paying.", ("without paying", "theft", None, None)),
        ("A masked thug hurled acid in his face.", ("hurled acid", "acid_attack", "corrosive", None)),
        (
            "She was charged with stealing perfume from Boots.",
            ("stealing perfume from boots", "shoplifting", None, None),
        ),
        ("Thieves cut through its D-lock.", ("d lock", "bicycle_theft", None, None)),
        ("A woman was held against her will for three days.", ("held against her will", "kidnapping", None, None)),
        ("A man was charged with voyeurism.", ("voyeurism", "sexual_offence", None, None)),
        ("A man threw a noxious liquid in her face.", ("threw a noxious liquid in", "acid_attack", "corrosive", None)),
        ("He drove away after driving off in a van.", ("driving off in", "vehicle_crime", None, None)),
        ("Tributes have poured in for a teenager.", ("tributes have poured in", None, None, True)),
        ("A caller posing as a police officer took his savings.", ("posing as a police officer", "fraud", None, None)),
        ("A shoplifter stole handbags from a store on Boxing Day.", ("shoplifter", "shoplifting", None, None)),
        ("A man set about him at a bus stop.", ("set about him", "assault", None, None)),
        ("A 17-year-old was shanked in the leg.", ("was shanked", "stabbing", "knife", None)),
        ("A teenager was jumped by a gang of five.", ("was jumped", "assault", None, None)),
        ("A shop assistant was duped with fake notes.", ("was duped", "fraud", None, None)),
        (
            "She found the front door of her flat kicked in.",
            ("front door of her flat kicked in", "burglary", None, None),
        ),
        ("A plumber woke to find his van stripped of tools.", ("van stripped of", "vehicle_crime", None, None)),
        ("A woman was found dead with head injuries.", ("found dead with head injuries", "homicide", None, True)),
        ("Two youths demanded her phone.", ("demanded her phone", "robbery", None, None)),
        (
            "Burning rags were pushed through their letterbox.",
            ("burning rags were pushed through their letterbox", "arson", "other", None),
        ),
        ("A passing cyclist grabbed her bag.", ("grabbed her bag", "theft_from_person", None, None)),
        ("A man had been picking commuters' pockets.", ("picking commuters' pockets", "theft_from_person", None, None)),
        ("A 16-year-old was relieved of his bike.", ("was relieved of his", "robbery", None, None)),
        (
            "A man was stopped with a loaded handgun.",
            ("stopped with a loaded handgun", "weapons_possession", "gun", None),
        ),
        ("A pensioner was tricked out of £15,000.", ("tricked out of £", "fraud", None, None)),
        ("A gang tagged the walls with spray paint.", ("with spray paint", "criminal_damage", None, None)),
        ("Two men held up a petrol station.", ("held up a petrol station", "robbery", None, None)),
        (
            "The gang escaped with the contents of the till.",
            ("escaped with the contents of the till", "theft", None, None),
        ),
        ("He fled with £400 in cash.", ("fled with £400 in cash", "theft", None, None)),
        ("A man in a balaclava cleared out the till.", ("cleared out the till", "theft", None, None)),
        ("They punched him and took his phone.", ("took his phone", "theft", None, None)),
        ("He had his phone and trainers taken.", ("had his phone and trainers taken", "theft", None, None)),
        ("He was jumped and relieved of his bike.", ("and relieved of his", "robbery", None, None)),
        ("A man produced a knife.", ("produced a knife", "weapons_possession", "knife", None)),
        ("He pulled a gun on the driver.", ("pulled a gun on", "weapons_possession", "gun", None)),
        ("He held a knife to her throat.", ("held a knife to", "public_order", "knife", None)),
        ("He head-butted a bus driver.", ("head butted a bus driver", "assault", "none", None)),
        ("The gang fled with watches.", ("fled with watches", "theft", None, None)),
        (
            "Thieves stole jewellery from a townhouse.",
            ("stole jewellery from a townhouse", "burglary", None, None),
        ),
        ("Thieves drove off with a Range Rover.", ("drove off with a range rover", "vehicle_crime", None, None)),
        ("All four tyres of her car were slashed.", ("tyres of her car were slashed", "criminal_damage", None, None)),
        ("A thief tore a gold chain from her.", ("tore a gold chain from her", "theft_from_person", None, None)),
        (
            "They found their front door on Alexandra Park Road kicked in.",
            ("front door on alexandra park road kicked in", "burglary", None, None),
        ),
        ("A man plunged a knife into his back.", ("plunged a knife into", "stabbing", "knife", None)),
        ("Officers arrested him after finding a knife.", ("finding a knife", "weapons_possession", "knife", None)),
        ("A search turned up a lock knife.", ("turned up a lock knife", "weapons_possession", "knife", None)),
        ("A van hit him and didn't stop.", ("didn't stop", "hit_and_run", "vehicle", None)),
        ("Vandals daubed slogans on the church.", ("daubed", "criminal_damage", None, None)),
        ("He was charged with false imprisonment.", ("false imprisonment", "kidnapping", None, None)),
        ("Both were treated for chemical burns.", ("chemical burns", "acid_attack", "corrosive", None)),
        ("Traders were pelted with eggs.", ("pelted with eggs", "anti_social_behaviour", None, None)),
        ("She found the back door of the house forced.", ("back door of the house forced", "burglary", None, None)),
        ("Cash was taken from a collection tin.", ("taken from a collection tin", "theft", None, None)),
        ("She had her phone plucked out of her hand.", ("plucked out of her hand", "theft_from_person", None, None)),
        ("A motorcyclist rode away without stopping.", ("rode away without stopping", "hit_and_run", "vehicle", None)),
        (
            "He poured petrol through the letterbox.",
            ("poured petrol through the letterbox", "arson", "other", None),
        ),
        (
            "A driver hit a woman as she crossed the road at 6pm on Friday and then drove off.",
            ("hit a woman as she crossed the road at 6pm on friday and then drove off", "hit_and_run", "vehicle", None),
        ),
        (
            "A man brandished what looked like a gun.",
            ("brandished what looked like a gun", "weapons_possession", "gun", None),
        ),
        ("A commuter's bike was cut from railings.", ("bike was cut from", "bicycle_theft", None, None)),
        (
            "Thieves ripped a phone from a tourist's hand.",
            ("ripped a phone from a tourist's hand", "theft_from_person", None, None),
        ),
        ("He used a stolen bank card to buy goods.", ("used a stolen bank card", "fraud", None, None)),
        (
            "Raiders rammed a stolen car through the front of a phone shop.",
            ("rammed a stolen car through the front of a phone shop", "burglary", None, None),
        ),
        ("A driver knocked down a boy and fled.", ("knocked down a boy and fled", "hit_and_run", "vehicle", None)),
        (
            "Yobs hurled bricks through the windows of a mosque.",
            ("hurled bricks through the windows", "criminal_damage", "other", None),
        ),
        ("Officers were pelted with bottles.", ("pelted with bottles", "assault", "other", None)),
        ("A man lunged at passers-by with a knife.", ("lunged at passers by", "assault", None, None)),
        ("A driver drove at him.", ("drove at him", "assault", "vehicle", None)),
        ("Car thieves struck again.", ("car thieves", "vehicle_crime", None, None)),
        ("Counter-terrorism detectives are investigating.", ("counter terrorism detectives", "terrorism", None, None)),
        ("He tried to walk out of Harrods with a handbag.", ("walk out of harrods with", "shoplifting", None, None)),
        ("A man was threatened with a syringe.", ("threatened with a syringe", "public_order", "other", None)),
        ("He was clubbed with a metal bar.", ("clubbed with a metal bar", "assault", "other", None)),
        ("She was knocked from her bike by a van.", ("knocked from her bike", "hit_and_run", "vehicle", None)),
        ("A masked gang stormed his home.", ("stormed his home", "burglary", None, None)),
        ("Three raiders fled.", ("raiders", "other", None, None)),
        (
            "Staff caught him walking out with £200 of razors.",
            ("walking out with £200 of razors", "shoplifting", None, None),
        ),
        (
            "She was seen stuffing £90 worth of meat into her bag.",
            ("stuffing £90 worth of meat into her bag", "shoplifting", None, None),
        ),
        ("A woman filled a trolley with £300 of spirits.", ("filled a trolley with £300", "shoplifting", None, None)),
        ("A thief was filmed cutting the lock of a bike.", ("cutting the lock of a bike", "bicycle_theft", None, None)),
        ("His road bike was cut free from the railings.", ("bike was cut free from", "bicycle_theft", None, None)),
        ("A tourist got dipped on the escalator.", ("got dipped", "theft_from_person", None, None)),
        (
            "Two men lifted wallets from tourists at the market.",
            ("lifted wallets from tourists", "theft_from_person", None, None),
        ),
        (
            "She had her bag snatched off her shoulder.",
            ("bag snatched off her shoulder", "theft_from_person", None, None),
        ),
        ("His scooter was ripped from under him.", ("ripped from under him", "robbery", None, None)),
        (
            "He handed over his phone after a man threatened him.",
            ("handed over his phone after a man threatened", "robbery", None, None),
        ),
        ("A van was driven off from outside his house.", ("van was driven off from", "vehicle_crime", None, None)),
        ("She found her flat turned upside down.", ("flat turned upside down", "burglary", None, None)),
        ("He was seen handing wraps of heroin to buyers.", ("wraps of heroin", "drugs", None, None)),
        (
            "A row over a parking space turned violent.",
            ("row over a parking space turned violent", "assault", None, None),
        ),
        ("A liquid was squirted at her face.", ("liquid was squirted at her", "acid_attack", "corrosive", None)),
        (
            "Police made nine arrests for violent disorder.",
            ("arrests for violent disorder", "public_order", None, None),
        ),
        ("Fans began throwing bottles at officers.", ("throwing bottles at", "public_order", "other", None)),
        (
            "Youths on scrambler bikes tore along the road.",
            ("youths on scrambler bikes", "anti_social_behaviour", None, None),
        ),
        ("Drinkers were urinating in doorways.", ("urinating in doorways", "anti_social_behaviour", None, None)),
        ("A driver fled after knocking down a cyclist.", ("fled after knocking down", "hit_and_run", "vehicle", None)),
        ("Two men were held selling fake concert tickets.", ("selling fake concert tickets", "fraud", None, None)),
        ("A brass plaque was prised from the gates of the park.", ("was prised from the gates", "theft", None, None)),
        ("Man, 20, shot in leg on an estate.", ("shot in leg", "shooting", "gun", None)),
        ("A gunman blasts a man in the thigh.", ("blasts a man in the thigh", "shooting", "gun", None)),
        ("Shots rang out on the estate.", ("shots rang out", "shooting", "gun", None)),
        ("Masked men raided a jewellers at noon.", ("raided a jewellers", "robbery", None, None)),
        ("She was fleeced of £20,000 by builders.", ("fleeced of £", "fraud", None, None)),
        ("A yob torches wheelie bins outside flats.", ("torches wheelie bins", "arson", "other", None)),
        ("Staff detained a man suspected of stealing meat.", ("suspected of stealing", "theft", None, None)),
        ("He was charged with exposing himself to women.", ("exposing himself", "sexual_offence", None, None)),
        ("A man was seen spraying tags across shopfronts.", ("spraying tags", "criminal_damage", None, None)),
        ("Whoever nicked the charity box should be ashamed.", ("nicked the charity box", "theft", None, None)),
        ("Terror probe after a man was held.", ("terror probe", "terrorism", None, None)),
        (
            "Two boys were seen filling rucksacks with gin at a supermarket.",
            ("filling rucksacks with gin at a supermarket", "shoplifting", None, None),
        ),
        (
            "A man threatened staff with a syringe before taking cash.",
            ("threatened staff with a syringe before taking", "robbery", None, None),
        ),
        ("A man phoned in a hoax bomb threat.", ("hoax bomb threat", "other", None, None)),
        ("A car hit a man and then speed off.", ("hit a man and then speed off", "hit_and_run", "vehicle", None)),
        ("Masked teens stormed a supermarket.", ("stormed a supermarket", None, None, None)),
        (
            "One of them snapped the steering lock in a minute.",
            ("snapped the steering lock", "vehicle_crime", None, None),
        ),
        (
            "Thieves smashed the window of a van on Monday and made off with power tools.",
            ("smashed the window of a van", "vehicle_crime", None, None),
        ),
        (
            "A figure was seen pouring liquid from a can through the letterbox.",
            ("pouring liquid from a can through the letterbox", "arson", "other", None),
        ),
        ("Fuel was poured through the shop door.", ("fuel was poured through the shop door", "arson", "other", None)),
        ("Whoever started Sunday's fire wanted us dead.", ("whoever started sunday's fire", "arson", None, None)),
        (
            "Thieves got into a house through a kitchen window.",
            ("thieves got into", "burglary", None, None),
        ),
        (
            "A man filled a bag with razor blades, cosmetics and toothbrush heads at a chemist's.",
            ("filled a bag with razor blades, cosmetics and toothbrush heads at a chemist", "shoplifting", None, None),
        ),
        (
            "He was accused of fleecing elderly customers of a building society branch on Golders Green Road out of £380,000.",
            (
                "fleecing elderly customers of a building society branch on golders green road out of £",
                "fraud",
                None,
                None,
            ),
        ),
        (
            "A man was found with a puncture wound to his leg.",
            ("found with a puncture wound", "stabbing", "knife", None),
        ),
        ("A thug hacks at a rider with a machete.", ("hacks at", "assault", None, None)),
        ("She was cut with a knife at the bus stop.", ("cut with a knife", "stabbing", "knife", None)),
        (
            "He fired a sawn-off shotgun through the window.",
            ("fired a sawn off shotgun through", "shooting", "gun", None),
        ),
        (
            "A man pulled what looked like a handgun.",
            ("pulled what looked like a handgun", "weapons_possession", "gun", None),
        ),
        ("He was seen scooping up handsets.", ("scooping up handsets", "theft", None, None)),
        (
            "A man was holding a knife to the shopkeeper's throat.",
            ("holding a knife to", "public_order", "knife", None),
        ),
        ("A cat burglar climbed up to raid a mansion flat.", ("to raid a mansion flat", "burglary", None, None)),
        (
            "A thief grabs an iPhone from a woman's hand.",
            ("grabs an iphone from a woman's hand", "theft_from_person", None, None),
        ),
        (
            "His wallet was slipped out of his back pocket.",
            ("slipped out of his back pocket", "theft_from_person", None, None),
        ),
        (
            "A pickpocket dipped into shoppers' handbags.",
            ("dipped into shoppers' handbags", "theft_from_person", None, None),
        ),
        ("Thug headbutts Tube worker at a station.", ("headbutts", "assault", "none", None)),
        (
            "A man sprayed an acidic substance at them.",
            ("sprayed an acidic substance", "acid_attack", "corrosive", None),
        ),
        ("He was held with heroin hidden in his clothing.", ("with heroin hidden", "drugs", None, None)),
        ("His work van had been broken into overnight.", ("van had been broken into", "vehicle_crime", None, None)),
        (
            "A man walked out with a basket of steak without paying.",
            ("walked out with a basket of steak without paying", "shoplifting", None, None),
        ),
        (
            "A man was filmed cutting through a lock before riding off.",
            ("cutting through a lock before riding off", "bicycle_theft", None, None),
        ),
        ("Copper cable was carted off from a building site.", ("carted off from", "theft", None, None)),
        ("Yobs smash windscreens of parked cars.", ("smash windscreens", "criminal_damage", None, None)),
        (
            "Red paint was sprayed across the front of a bank.",
            ("paint was sprayed across", "criminal_damage", None, None),
        ),
        ("A caller pretending to be from her bank took £900.", ("pretending to be from her bank", "fraud", None, None)),
        ("He pocketed £140,000 in deposits.", ("pocketed £140,000", "fraud", None, None)),
        ("Youths racing mopeds kept residents awake.", ("youths racing mopeds", "anti_social_behaviour", None, None)),
        ("A firebug torches a community centre.", ("torches a community centre", "arson", "other", None)),
        (
            "Her cargo bike, complete with two child seats, was cut free from a rack.",
            ("bike, complete with two child seats, was cut free from", "bicycle_theft", None, None),
        ),
        (
            "Her handbag was swiped from the back of her chair at a cafe.",
            ("handbag was swiped from the back of her chair", "theft_from_person", None, None),
        ),
        (
            "Youths dragged a cyclist from his bike and rode off on it.",
            ("dragged a cyclist from his bike", "robbery", None, None),
        ),
    ],
)
def test_project_vocabulary_reads_news_wording(project_vocab, text, expected):
    """Wording found missing by sentences written apart from the vocabulary (verbs, methods with a hedged weapon,
    objects that make another crime)."""
    assert expected in [(c.phrase, c.type, c.weapon, c.fatal) for c in find_cues(text, vocab=project_vocab)]


@pytest.mark.parametrize(
    "text",
    [
        "Customers were being fleeced by the new parking machines.",
        "A bundle of papers was left on the bus.",
        "A drug that attacks tumour cells is being trialled.",
        "A man took his phone out and filmed the scene.",
        "The manager admitted he had shot himself in the foot.",
        "The grant is a shot in the arm for the high street.",
        "He had his fingerprints taken.",
        "Police officers smashed their way into a flat at dawn.",
        "Commuters said they felt robbed by the fare rise.",
        "He was taken to hospital from his home after a fall.",
        "The manager tore a strip off them at half time.",
        "The pollen count triggered hay fever attacks.",
        "The cafe was getting away with murder charging £5 a coffee.",
        "Firefighters forced their way into the burning house.",
        "Arsenal delivered the killer blow in the 89th minute.",
        "A woman drove her car into the front of a shop after mistaking the pedals.",
        "Armed officers stormed a flat on High Road.",
        "Storm Eunice damaged property across Bexley.",
        "A man stormed off home after a row.",
        "Protesters stormed the House of Commons.",
        "A new drug attacks leukaemia cells.",
        "Traders pelted the float with flowers.",
    ],
)
def test_project_vocabulary_leaves_other_senses(project_vocab, text):
    assert [c.type for c in find_cues(text, vocab=project_vocab) if c.type] == []
