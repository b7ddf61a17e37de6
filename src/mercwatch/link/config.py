"""Settings of the link stage.

Every threshold that trades precision for recall lives here, so a platform can tune
takedown precision without touching code (DESIGN.md: keep the decisions tunable).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mercwatch.errors import ConfigError
from mercwatch.iocs import webmail_domains
from mercwatch.model import Phase

# Event types whose ``target_id`` is an account the actor acted upon, and the phase that
# acting reaches before any malicious link is considered. Knowledge as data.
DEFAULT_TARGET_EVENTS: tuple[tuple[str, Phase], ...] = (
    ("view_profile", Phase.RECONNAISSANCE),
    ("friend_request", Phase.ENGAGEMENT),
    ("friend_accept", Phase.ENGAGEMENT),
    ("message", Phase.ENGAGEMENT),
    ("post", Phase.ENGAGEMENT),
    ("share_link", Phase.ENGAGEMENT),
)

# Event types that carry a link the actor delivered.
DEFAULT_LINK_EVENTS: tuple[str, ...] = ("message", "post", "share_link")

# Base weight of each kind of tie between two accounts, before popularity discounts.
# Devices and near-identical photos are hard to share by accident; an IP or an e-mail
# domain is shared by whole offices.
DEFAULT_TIE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("ip", 0.5),
    ("device", 1.0),
    ("photo", 1.0),
    ("email_domain", 0.6),
    ("link_domain", 0.7),
    ("template", 0.6),
    ("cotarget", 0.8),
)


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """Thresholds and limits of :func:`mercwatch.link.build_operations`.

    Attributes:
        account_threshold: noisy-or of an account's signals (max per detector) at which
            it becomes a candidate.
        strong_threshold: own score that makes a member "strong"; every operation needs
            one, so shared infrastructure alone never makes an operation.
        singleton_min_score: own score a lone account needs to be an operation.
        link_flag_threshold: score at which a domain/url signal marks a link malicious.
        infra_flag_threshold: score at which an ip/device/network signal flags it.
        delivered_link_weight: own score contributed by delivering a malicious link,
            as a fraction of that link's score.
        min_edge_weight: two accounts are linked only if one of their ties (after
            discounts) is at least this strong; weaker ties only add weight.
        max_key_accounts: an IP, device, e-mail or link domain used by more distinct
            accounts platform-wide carries no tie at all (carrier NAT, webmail).
        infra_max_accounts: shared IPs/devices used by more accounts platform-wide are
            not reported as the operation's infrastructure unless flagged.
        photo_max_distance: Hamming distance at which two pHashes are the same photo.
        photo_owner_days: an account created this much earlier than another wearing
            the same photo, with no suspicious conduct of its own, is taken for the
            photo's owner (a persona copied it) and not tied to the copier.
        template_threshold: MinHash-LSH Jaccard threshold for near-duplicate messages.
        template_min_tokens: shorter messages are too generic to tie accounts.
        template_max_texts: distinct texts per account fed to LSH (bounds cost).
        template_num_perm: MinHash permutations.
        cotarget_min_jaccard: Jaccard of two target sets for a co-targeting tie.
        cotarget_min_shared: targets two accounts must share for a co-targeting tie.
        cotarget_exact_max: above this many accounts with targets, co-targeting pairs
            come from MinHash LSH instead of an exact inverted index.
        leiden_min_size: components at least this large are split with Leiden.
        min_attachment: total edge weight a member without strong evidence of its
            own needs to the rest of its group; weaker hangers-on are pruned.
        hijack_min_age_days: a member created this long before its operation's first
            activity is taken for a hijacked account: only its acts through the
            operation's IPs/devices, or towards people other members approached,
            count (:mod:`~.scope`).
        crew_ties: tie kinds one crew shares and two crews of one vendor do not
            (:func:`~.cluster.split_crews`): a group whose members fall into two or
            more parts by these ties alone is split into those parts.
        merge_ties: tie kinds that are infrastructure an operation controls (a device,
            a persona photo set): groups tied by one are merged into one operation
            (:func:`~.cluster.merge_controlled`).
        persona_merge_ties: tie kinds that merge groups only between accounts made for
            the job (not established, :mod:`~.standing`): an address at most
            ``infra_max_accounts`` accounts use.
        ring_member_score: own engagement evidence (approaching people) that makes a
            member count towards a persona ring (:func:`~.cluster.persona_ring`).
        ring_min_members: device-tied approaching members a persona ring needs.
        corroboration_min_score: own evidence at which a member counts towards an
            evidence family (:mod:`~.corroboration`: an operation needs two families
            or one strong infrastructure tie).
        evidence_per_detector: evidence items kept per detector per operation.
        calibrated: report confidence as a probability through the shipped mapping
            (:mod:`~.calibration`); False reports the raw score of :mod:`~.scoring`.
        established_min_friends: friendships from before the export's window (with
            accounts outside the candidates) that make an account established
            (:mod:`~.standing`); a group of only established accounts needs evidence
            a community does not produce (:mod:`~.corroboration`). 0 turns it off.
        device_expansion: also take in accounts that share a rarely shared device with a
            strong candidate and act on targets (hijacked accounts).
        search_max_hits: a search query naming at most this many accounts (by display
            name) counts as reconnaissance against them; 0 turns it off.
        seed: seed of Leiden and MinHash so reruns give identical operations.
        tie_detectors: detectors whose account signals say "shares infrastructure with
            suspicious accounts": they make candidates but are not an account's own
            evidence, so they never satisfy ``strong_threshold`` (the link stage
            weighs those ties itself).
        aimed_recon_detectors: reconnaissance detectors whose evidence is attention on
            named at-risk people (not generic collection); only they count towards a
            watch ring (:mod:`~.watch_rings`). Empty turns watch rings off.
        ignored_email_domains: free webmail providers; sharing one ties nobody,
            however few accounts on a small platform use it.
    """

    account_threshold: float = 0.5
    strong_threshold: float = 0.75
    singleton_min_score: float = 0.9
    link_flag_threshold: float = 0.6
    infra_flag_threshold: float = 0.6
    delivered_link_weight: float = 0.9
    min_edge_weight: float = 0.25
    max_key_accounts: int = 500
    infra_max_accounts: int = 10
    photo_max_distance: int = 4
    photo_owner_days: int = 30
    template_threshold: float = 0.6
    template_min_tokens: int = 8
    template_max_texts: int = 20
    template_num_perm: int = 64
    cotarget_min_jaccard: float = 0.2
    cotarget_min_shared: int = 2
    cotarget_exact_max: int = 2000
    leiden_min_size: int = 4
    min_attachment: float = 0.5
    crew_ties: tuple[str, ...] = ("device", "photo", "cotarget")
    merge_ties: tuple[str, ...] = ("device", "photo")
    persona_merge_ties: tuple[str, ...] = ("ip",)
    hijack_min_age_days: int = 365
    ring_member_score: float = 0.3
    ring_min_members: int = 2
    corroboration_min_score: float = 0.3
    evidence_per_detector: int = 5
    calibrated: bool = True
    established_min_friends: int = 3
    device_expansion: bool = True
    search_max_hits: int = 1
    seed: int = 7
    tie_detectors: tuple[str, ...] = (
        "engagement.coordination",
        "engagement.co_sharing",
        "recon.co_watching",
    )
    aimed_recon_detectors: tuple[str, ...] = ("recon.at_risk_search", "recon.targeted_watching")
    ignored_email_domains: frozenset[str] = field(default_factory=webmail_domains)
    tie_weights: tuple[tuple[str, float], ...] = DEFAULT_TIE_WEIGHTS
    target_events: tuple[tuple[str, Phase], ...] = DEFAULT_TARGET_EVENTS
    link_events: tuple[str, ...] = DEFAULT_LINK_EVENTS
    _weights: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in (
            "account_threshold",
            "strong_threshold",
            "singleton_min_score",
            "link_flag_threshold",
            "infra_flag_threshold",
            "delivered_link_weight",
            "template_threshold",
            "cotarget_min_jaccard",
            "ring_member_score",
            "corroboration_min_score",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"link.{name} must be within 0..1, got {value!r}")
        if self.photo_max_distance < 0 or self.photo_max_distance > 16:
            raise ConfigError("link.photo_max_distance must be within 0..16")
        object.__setattr__(self, "_weights", dict(self.tie_weights))

    def tie_weight(self, kind: str) -> float:
        """Base weight of a tie kind (0 when the kind is switched off)."""
        return self._weights.get(kind, 0.0)

    @property
    def target_event_phases(self) -> dict[str, Phase]:
        """Event type -> phase reached by acting on the target that way."""
        return dict(self.target_events)
