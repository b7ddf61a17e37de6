"""The seven firms' tactics, as data: who their personas claim to be, whom they go
after, how far along the kill chain they went, what their lure domains look like.

Sources (public descriptions only; no simulator code was read to write this):
- Meta, "Threat Report on the Surveillance-for-Hire Industry" (Dec. 16, 2021) and its
  press coverage (CyberScoop, WIRED, Engadget, Protocol, Business Standard, Dec. 2021):
  seven entities, ~1,500 accounts, ~50,000 people in 100+ countries notified; the
  three phases reconnaissance -> engagement -> exploitation; Cobwebs and Cognyte
  stopped short of exploitation; Black Cube ran ~300 fictitious personas (graduate
  students, NGO and human-rights workers, film and TV producers) to set up calls and
  meetings; Bluehawk CI ran fake personas and fake media outlets and phished
  credentials; BellTroX (India) impersonated journalists and politicians, used aged
  accounts and short links for credential phishing of lawyers, doctors and activists;
  Cytrox (North Macedonia) used look-alike domains of news outlets and URL shorteners
  to deliver Predator; an unknown entity in China used fake personas and fake apps
  to deliver Android surveillanceware to minority and diaspora communities and
  activists.
- Meta, "Taking Action Against Hackers in China" (Mar. 24, 2021) as reported by
  AP/BBC/Newsweek: personas posing as journalists, students, human-rights advocates
  and community members; look-alike news sites and third-party app stores.
Sizes here are per platform (one platform sees a slice of a firm's accounts) and are
multiplied by a per-seed knob.
"""

from __future__ import annotations

from dataclasses import dataclass

RECON, ENGAGE, EXPLOIT = "reconnaissance", "engagement", "exploitation"


@dataclass(frozen=True, slots=True)
class Playbook:
    actor: str
    size: tuple[int, int]  # personas
    personas: tuple[tuple[str, str], ...]  # (bio, claimed employer)
    target_tags: tuple[str, ...]
    max_phase: str
    domain_styles: tuple[str, ...]
    home_cc: str  # the firm's own calling code, used by some personas' phones
    openers: tuple[str, ...]
    link_lines: tuple[str, ...]
    views_per_target: tuple[int, int]
    logged_out_share: float  # share of reconnaissance done signed out (scraping)
    aged_accounts: float  # share of personas on years-old (bought/compromised) accounts
    shared_photos: bool  # personas reuse re-cropped stock photos
    relatives: bool  # also profile the targets' friends and family


PLAYBOOKS: tuple[Playbook, ...] = (
    Playbook(
        actor="Cobwebs Technologies",
        size=(6, 18),
        personas=(
            ("Love travel and photography", ""),
            ("Proud mom. Coffee first.", ""),
            ("Student of political science", "City College"),
        ),
        target_tags=("activist", "dissident", "politician", "journalist"),
        max_phase=ENGAGE,
        domain_styles=(),
        home_cc="+972",
        openers=(
            "hi {name}, we have some friends in common, nice to meet you",
            "hello {name}! saw your posts about {topic}, totally agree",
        ),
        link_lines=(),
        views_per_target=(2, 6),
        logged_out_share=0.3,
        aged_accounts=0.2,
        shared_photos=True,
        relatives=True,
    ),
    Playbook(
        actor="Cognyte",
        size=(4, 14),
        personas=(
            ("Freelance journalist covering politics", "freelance"),
            ("Reporter. Tips welcome.", "The Meridian Review"),
        ),
        target_tags=("journalist", "politician", "activist"),
        max_phase=ENGAGE,
        domain_styles=(),
        home_cc="+972",
        openers=(
            "Hello {name}, I'm writing a piece on {topic} and would value your view.",
            "Dear {name}, could you share a few details about {topic} for my article?",
        ),
        link_lines=(),
        views_per_target=(1, 4),
        logged_out_share=0.1,
        aged_accounts=0.1,
        shared_photos=False,
        relatives=False,
    ),
    Playbook(
        actor="Black Cube",
        size=(6, 22),
        personas=(
            ("PhD candidate researching {topic}", "Caldwell University"),
            ("Program officer, human rights", "Horizon Rights Initiative"),
            ("Documentary producer", "Lumen Films"),
        ),
        target_tags=("lawyer", "executive", "human_rights_defender", "activist", "politician"),
        max_phase=EXPLOIT,
        domain_styles=("front", "service"),
        home_cc="+972",
        openers=(
            "Dear {name}, I'm researching {topic} and your perspective would be invaluable. "
            "Could we set up a short call?",
            "Hello {name}, we are preparing a documentary on {topic} "
            "and would love to interview you.",
            "Dear {name}, our foundation supports work on {topic}; may we discuss a grant?",
        ),
        link_lines=(
            "Please register for our call here",
            "Here is the consent form before the interview",
        ),
        views_per_target=(1, 3),
        logged_out_share=0.1,
        aged_accounts=0.3,
        shared_photos=True,
        relatives=True,
    ),
    Playbook(
        actor="Bluehawk CI",
        size=(3, 10),
        personas=(
            ("Editor at an independent news site", "Orbis Wire Network"),
            ("Correspondent", "Global Press Desk"),
        ),
        target_tags=("journalist", "politician", "executive", "lawyer"),
        max_phase=EXPLOIT,
        domain_styles=("news", "gov", "service"),
        home_cc="+972",
        openers=(
            "Hi {name}, we'd like to feature you in our story on {topic}.",
            "Dear {name}, we are preparing an interview about {topic}. Are you available?",
        ),
        link_lines=("Please confirm your interview slot here", "Log in to review the draft"),
        views_per_target=(1, 4),
        logged_out_share=0.2,
        aged_accounts=0.2,
        shared_photos=False,
        relatives=False,
    ),
    Playbook(
        actor="BellTroX",
        size=(4, 16),
        personas=(
            ("Member of parliament. Views my own.", ""),
            ("Senior journalist", "National Daily"),
        ),
        target_tags=("lawyer", "executive", "activist", "politician", "researcher"),
        max_phase=EXPLOIT,
        domain_styles=("shortener", "service"),
        home_cc="+91",
        openers=(
            "Dear {name}, I'd like your opinion on {topic}.",
            "{name}, urgent: a document about {topic} mentions you.",
        ),
        link_lines=("see the document", "details here"),
        views_per_target=(3, 8),
        logged_out_share=0.5,
        aged_accounts=0.6,
        shared_photos=False,
        relatives=False,
    ),
    Playbook(
        actor="Cytrox",
        size=(3, 12),
        personas=(("News junkie", ""), ("Local politics", ""), ("Journalist", "freelance")),
        target_tags=("journalist", "politician", "activist", "dissident"),
        max_phase=EXPLOIT,
        domain_styles=("news", "shortener"),
        home_cc="+389",
        openers=(
            "Hi {name}, did you see what they wrote about {topic}?",
            "{name}, this story about {topic} is about you",
        ),
        link_lines=("read it here", "look at this", "article"),
        views_per_target=(1, 5),
        logged_out_share=0.2,
        aged_accounts=0.1,
        shared_photos=True,
        relatives=False,
    ),
    Playbook(
        actor="Unknown entity in China",
        size=(3, 10),
        personas=(
            ("Community volunteer. Our language, our culture.", ""),
            ("Journalist for the diaspora", "Homeland Voice"),
            ("Student abroad", ""),
        ),
        target_tags=("dissident", "activist", "journalist", "human_rights_defender"),
        max_phase=EXPLOIT,
        domain_styles=("app", "news"),
        home_cc="+86",
        openers=(
            "Hello {name}, our community is organising around {topic}. Will you join?",
            "Dear {name}, I am a student writing about {topic}, may I ask you something?",
        ),
        link_lines=("install our community app", "the news app we use", "download here"),
        views_per_target=(1, 4),
        logged_out_share=0.2,
        aged_accounts=0.1,
        shared_photos=True,
        relatives=False,
    ),
)
