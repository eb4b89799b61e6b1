"""The default workspace: people (with a guest and a deactivated account), channels with history
and threads, and an installed app with its bot; deterministic for a given seed. Also the
credentials a client of it needs (`credentials`, `env`)."""

from __future__ import annotations

from typing import Any

from faker import Faker

from twins._runtime.collection import TenantState
from twins._runtime.ids import UPPER_ALNUM
from twins.slack import scopes
from twins.slack.emoji import seed_emoji
from twins.slack.schemas import avatar, make_ts

DIGITS = "0123456789"

CHANNELS = [
    ("general", "public", "Company-wide announcements and work-based matters", True),
    ("random", "public", "Non-work banter and water cooler conversation", False),
    ("engineering", "public", "Building the product", False),
    ("support", "public", "Customer questions and escalations", False),
    ("design", "private", "Design reviews", False),
    ("leadership", "private", "Leadership team", False),
]
TITLES = [
    "Engineer",
    "Designer",
    "Product Manager",
    "Support Lead",
    "Data Scientist",
    "CTO",
    "Head of Sales",
    "Recruiter",
    "QA Engineer",
    "SRE",
]
LINES = [
    "Morning all! Stand-up in 10.",
    "Can someone review my PR?",
    "Deploy went out fine :rocket:",
    "Customer reports the export is slow again.",
    "Lunch?",
    "I pushed a fix, please retest.",
    "Meeting notes are in the doc.",
    "Who owns the billing service?",
    "LGTM :+1:",
    "Incident resolved, post-mortem tomorrow.",
    "Welcome to the team!",
    "Holiday on Friday.",
]


def slack_id(state: TenantState, prefix: str, kind: str) -> str:
    return state.ids.next(kind, prefix=prefix, length=10, alphabet=UPPER_ALNUM)


def new_user(state: TenantState, fake: Faker, domain: str, **overrides: Any) -> dict[str, Any]:
    first, last = fake.first_name(), fake.last_name()
    uid = slack_id(state, "U", "user")
    name = overrides.pop("name", "")
    if not name:
        base = f"{first}.{last}".lower().replace("'", "")
        name, n = base, 1
        while state["users"].by("name", name) is not None:  # large seeds repeat names
            n += 1
            name = f"{base}{n}"
    row: dict[str, Any] = {
        "id": uid,
        "name": name,
        "real_name": f"{first} {last}",
        "email": f"{name}@{domain}",
        "tz": "America/Los_Angeles",
        "tz_label": "Pacific Standard Time",
        "tz_offset": -28800,
        "color": fake.hex_color()[1:],
        "updated": int(state.clock.now()),
        "profile": {
            "title": fake.random_element(TITLES),
            "phone": "",
            "skype": "",
            "first_name": first,
            "last_name": last,
            "real_name": f"{first} {last}",
            "real_name_normalized": f"{first} {last}",
            "display_name": first.lower(),
            "display_name_normalized": first.lower(),
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "fields": None,
            **avatar(uid),
        },
    }
    row.update(overrides)
    return state["users"].insert(row)


def new_webhook(state: TenantState, app_id: str, channel_id: str, user_id: str) -> dict[str, Any]:
    """An incoming webhook of an app, posting into one channel: /services/T…/B…/<secret>."""
    bot_id = slack_id(state, "B", "webhook")
    secret = state.ids.chars("webhook_secret", 24)
    team_id = str(state.meta.get("team", {}).get("id", ""))
    return state["webhooks"].insert(
        {
            "id": f"{bot_id}/{secret}",
            "app_id": app_id,
            "channel": channel_id,
            "user_id": user_id,
            "url_path": f"/services/{team_id}/{bot_id}/{secret}",
        }
    )


def seed(state: TenantState, size: int) -> None:
    fake = Faker("en_US")
    fake.seed_instance(state.seed)
    domain_word = fake.domain_word()
    team_id = slack_id(state, "T", "team")
    state.meta["team"] = {
        "id": team_id,
        "name": fake.company(),
        "domain": domain_word,
        "email_domain": f"{domain_word}.example",
        "url": f"https://{domain_word}.slack.com/",
        "icon": {
            "image_default": True,
            **{
                f"image_{s}": f"https://a.slack-edge.com/team/{team_id}_{s}.png"
                for s in (34, 44, 68, 88, 102, 132, 230)
            },
        },
        "avatar_base_url": "https://ca.slack-edge.com/",
        "is_verified": False,
    }
    email_domain = f"{domain_word}.example"
    now = int(state.clock.now())
    admin = new_user(state, fake, email_domain, is_admin=True, is_owner=True)
    state["users"].update(admin["id"], profile={**admin["profile"], "primary_owner": True})
    people = [admin]
    for _ in range(9 + 4 * max(0, size - 1)):
        people.append(new_user(state, fake, email_domain))
    people.append(new_user(state, fake, email_domain, is_restricted=True))
    people.append(new_user(state, fake, email_domain, is_restricted=True, is_ultra_restricted=True))
    new_user(state, fake, email_domain, deleted=True)

    app_id = slack_id(state, "A", "app")
    bot_id = slack_id(state, "B", "bot")
    bot = new_user(
        state,
        fake,
        email_domain,
        name="twinbot",
        real_name="Twin Bot",
        email=None,
        is_bot=True,
        bot_id=bot_id,
        color="3c989f",
    )
    state["users"].update(
        bot["id"],
        profile={
            **bot["profile"],
            "bot_id": bot_id,
            "api_app_id": app_id,
            "always_active": True,
            "display_name": "",
            "first_name": "Twin Bot",
        },
    )
    state["apps"].insert(
        {
            "id": app_id,
            "name": "Twin Bot",
            "client_id": state.ids.chars("client_id", 10, DIGITS)
            + "."
            + state.ids.chars("client_id", 13, DIGITS),
            "client_secret": state.ids.hex("client_secret", 32),
            "signing_secret": state.ids.hex("signing_secret", 32),
            "bot_user_id": bot["id"],
            "bot_id": bot_id,
            "bot_scopes": scopes.BOT_SCOPES,
            "user_scopes": scopes.USER_SCOPES,
            "redirect_urls": [],
            "created": now,
        }
    )
    team_num = state.ids.chars("team_num", 12, DIGITS)
    state["tokens"].insert(
        {
            "id": f"xoxb-{team_num}-{state.ids.chars('tok', 13, DIGITS)}-{state.ids.chars('tok', 24)}",
            "kind": "bot",
            "user_id": bot["id"],
            "app_id": app_id,
            "scopes": scopes.BOT_SCOPES,
            "created": now,
        }
    )
    state["tokens"].insert(
        {
            "id": f"xoxp-{team_num}-{state.ids.chars('tok', 13, DIGITS)}-"
            f"{state.ids.chars('tok', 13, DIGITS)}-{state.ids.hex('tok', 32)}",
            "kind": "user",
            "user_id": admin["id"],
            "app_id": app_id,
            "scopes": scopes.USER_SCOPES,
            "created": now,
        }
    )

    members = [p["id"] for p in people]
    guests = [p["id"] for p in people if p["is_restricted"]]
    full = [m for m in members if m not in guests]
    channels = []
    for i, (name, kind, purpose, general) in enumerate(CHANNELS):
        in_channel = full if general or kind == "public" else full[: 3 + i]
        if name == "support":
            in_channel = [*full, *guests]
        chan = state["conversations"].insert(
            {
                "id": slack_id(state, "C", "channel"),
                "name": name,
                "kind": kind,
                "creator": admin["id"],
                "created": now - 86400 * (400 - i),
                "is_general": general,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": purpose, "creator": admin["id"], "last_set": now - 86400 * 400},
                "members": [*in_channel, *([bot["id"]] if name in ("general", "engineering") else [])],
                "updated": now,
            }
        )
        channels.append(chan)
    state["conversations"].insert(
        {
            "id": slack_id(state, "C", "channel"),
            "name": "old-project",
            "kind": "public",
            "creator": admin["id"],
            "created": now - 86400 * 500,
            "is_archived": True,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "Archived project", "creator": admin["id"], "last_set": now - 86400 * 500},
            "members": [],
            "updated": now,
        }
    )
    state["conversations"].insert(
        {
            "id": slack_id(state, "D", "im"),
            "kind": "im",
            "user": people[1]["id"],
            "created": now - 86400 * 30,
            "members": [admin["id"], people[1]["id"]],
            "updated": now,
        }
    )

    # History: messages spread over the last days, a few with threads, stamped before the seed time.
    count = 8 * max(1, size)
    start = state.clock.now() - 86400 * 3
    for chan in channels:
        state.clock.set(start)
        authors = [m for m in chan["members"] if m != bot["id"]]
        for n in range(count):
            state.clock.advance(fake.random_int(60, 3600))
            ts = make_ts(state)
            author = authors[n % len(authors)]
            row = state["messages"].insert(
                {
                    "id": f"{chan['id']}/{ts}",
                    "channel": chan["id"],
                    "ts": ts,
                    "user": author,
                    "text": fake.random_element(LINES),
                }
            )
            if n % 4 == 1:
                repliers = []
                last = ts
                for r in range(2):
                    state.clock.advance(fake.random_int(30, 600))
                    rts = make_ts(state)
                    replier = authors[(n + r + 1) % len(authors)]
                    repliers.append(replier)
                    state["messages"].insert(
                        {
                            "id": f"{chan['id']}/{rts}",
                            "channel": chan["id"],
                            "ts": rts,
                            "user": replier,
                            "text": fake.sentence(),
                            "thread_ts": ts,
                        }
                    )
                    last = rts
                state["messages"].update(
                    row["id"],
                    thread_ts=ts,
                    reply_count=2,
                    reply_users=sorted(set(repliers)),
                    latest_reply=last,
                )
    state.clock.set(start + 86400 * 3)
    new_webhook(state, app_id, channels[0]["id"], admin["id"])
    seed_emoji(state, admin["id"])


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    """What a client needs: bot token, an admin's user token, the app's secrets."""
    tokens = list(state["tokens"])
    bot = next((t for t in tokens if t["kind"] == "bot" and not t["revoked"]), None)
    admin_ids = {u["id"] for u in state["users"] if u["is_admin"] and not u["deleted"]}
    user = next(
        (t for t in tokens if t["kind"] == "user" and t["user_id"] in admin_ids and not t["revoked"]),
        None,
    )
    app = state["apps"].get(bot["app_id"]) if bot and bot["app_id"] else None
    hook = next((w for w in state["webhooks"] if app and w["app_id"] == app["id"]), None)
    team = state.meta.get("team", {})
    return {
        "api_url": f"{base_url}/api/",
        "team_id": team.get("id", ""),
        "team_domain": team.get("domain", ""),
        "bot_token": bot["id"] if bot else "",
        "bot_user_id": bot["user_id"] if bot else "",
        "user_token": user["id"] if user else "",
        "admin_user_id": user["user_id"] if user else "",
        "app_id": app["id"] if app else "",
        "client_id": app["client_id"] if app else "",
        "client_secret": app["client_secret"] if app else "",
        "signing_secret": app["signing_secret"] if app else "",
        "webhook_url": f"{base_url}{hook['url_path']}" if hook else "",
    }


def env(url: str, creds: dict[str, Any]) -> dict[str, str]:
    return {
        "SLACK_API_URL": f"{url}/api/",
        "SLACK_BOT_TOKEN": str(creds.get("bot_token", "")),
        "SLACK_SIGNING_SECRET": str(creds.get("signing_secret", "")),
    }
