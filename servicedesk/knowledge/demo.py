"""Demo knowledge base: a few categories and the articles every service desk ends up writing."""

from django.db import transaction

from itops.audit import acting_as
from itops.models import User
from servicedesk.knowledge import services
from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.models.knowledge import Article, ArticleCategory

CATEGORIES = [
    # slug, name, parent slug, description
    ("network", "Network and remote access", None, "VPN, Wi-Fi and reaching company systems."),
    ("network-vpn", "VPN", "network", "Working from home or on the road."),
    ("accounts", "Accounts and passwords", None, "Signing in, passwords, MFA."),
    ("email", "Email and calendars", None, "Outlook, mobile mail, shared mailboxes."),
    ("printing", "Printing", None, "Office printers and scanning."),
]

VPN_HOME = """GlobalProtect connects your laptop to the company network from anywhere.

1. Open **GlobalProtect** from the system tray (Windows) or the menu bar (macOS).
2. Enter the portal address `vpn.example.com` if it asks for one.
3. Sign in with your usual account and approve the MFA prompt on your phone.
4. The icon turns solid when you are connected.

| Where you are | Portal to use |
|:--|:--|
| Europe | `vpn-eu.example.com` |
| Americas | `vpn-us.example.com` |
| Anywhere else | `vpn.example.com` |

> If GlobalProtect is missing, install it from **Software Center** (Windows) or
> **Self Service** (macOS).
"""

VPN_INTERNAL_SITES = """When the VPN says *Connected* but intranet pages time out, your laptop is
usually still using your home router for name lookups.

1. Disconnect and reconnect GlobalProtect.
2. If that does not help, flush the DNS cache:

```
ipconfig /flushdns
```

On macOS run `sudo dscacheutil -flushcache` in Terminal.

3. Still failing? Note the time and the address you tried, then
[open a ticket](/portal/) and attach a screenshot of the GlobalProtect *Details* tab.
"""

PASSWORD_RESET = """You can reset a forgotten or expired password yourself, day or night.

1. Go to [the password page](https://password.example.com).
2. Enter your username and approve the MFA prompt.
3. Choose a new password: at least **14 characters**; a short sentence works well.

Your new password works at once on laptops, email and the VPN. Phones may ask for it again
within the next hour.

If you no longer have the phone you use for MFA, see *Set up MFA on a new phone*.
"""

ACCOUNT_LOCKED = """After ten wrong passwords in a row your account locks for **15 minutes**.

- Wait 15 minutes and try again, **or**
- reset your password (this also unlocks the account).

A phone or tablet that still has your old password keeps locking the account. Update the
password on every device, starting with your phone's mail app.
"""

MFA_NEW_PHONE = """Moving to a new phone? Do this **before** you wipe the old one.

1. Install **Microsoft Authenticator** on the new phone.
2. On your laptop, open [My Sign-ins](https://mysignins.microsoft.com/security-info).
3. Choose *Add sign-in method* → *Authenticator app* and scan the QR code with the new phone.
4. Delete the old phone from the list.

Already lost the old phone? Call the service desk: an agent verifies who you are and issues a
temporary access pass.
"""

MAIL_ON_PHONE = """Company email, calendar and contacts run in the **Outlook** app on iPhone and
Android. The built-in mail apps are not supported.

1. Install *Microsoft Outlook* from the App Store or Google Play.
2. Open it, enter your email address and sign in.
3. Accept the prompt to install **Intune Company Portal**: it keeps company data separate from
   your own.

| Phone | Minimum version |
|:--|:--|
| iPhone | iOS 16 |
| Android | Android 11 |
"""

OUTLOOK_PASSWORD_PROMPTS = """Outlook asks for your password again and again, usually right after
a password change.

1. Close Outlook.
2. Open *Credential Manager* → *Windows Credentials* and remove every entry that starts with
   `MicrosoftOffice`.
3. Start Outlook and sign in once.

On macOS, open *Keychain Access*, search for `Exchange` and delete the entries found.
"""

SHARED_MAILBOX = """Draft: how to request access to a shared mailbox and add it to Outlook.

- Ask the mailbox owner to approve your access in the request form.
- Access appears in Outlook within an hour.
"""

ADD_PRINTER = """Office printers are named after their floor and number, e.g. **PRN-3-02**.

**Windows**

1. Open *Settings* → *Bluetooth & devices* → *Printers & scanners*.
2. Choose *Add device*, then *Add manually*, and enter `\\\\print.example.com\\PRN-3-02`.

**macOS**

1. Open *System Settings* → *Printers & Scanners* → *Add printer*.
2. Choose the **IP** tab, address `print.example.com`, queue `PRN-3-02`.

Print jobs wait in the queue until you tap your badge on the printer.
"""

BLANK_PAGES = """Blank, faded or streaky pages almost always mean the toner is low or was
shipped with its seal still on.

1. Open the front cover and pull out the toner cartridge.
2. Remove the orange seal if there is one, shake the cartridge gently and put it back.
3. Print a test page from the printer's panel: *Menu* → *Reports* → *Configuration page*.

If the test page is still blank, [report the printer](/portal/) with its name (e.g. PRN-3-02).
"""

WIFI_OUTAGE = """**Known issue (since Monday 08:30):** laptops on floor 3 drop off the
`corp` Wi-Fi every few minutes. The network team is replacing a faulty access point.

Workaround until it is fixed:

1. Connect to `corp-5g` instead of `corp` (same password, same access).
2. Or plug into one of the blue network sockets at the desks.

No need to open a ticket for this: we will update this article when it is resolved.
"""

VPN_FAILOVER = """Runbook for the service desk and network on-call. **Do not share with end
users.**

1. Check the gateway status: `ssh netops@vpn-gw-01 'show high-availability state'`.
2. If the active node is degraded, fail over:

```
request high-availability state suspend
```

3. Confirm users reconnect on `vpn-gw-02` (GlobalProtect logs, *Gateway* column).
4. Open a problem record linking the incident and page the network team.
"""

NEW_LAPTOP = """Draft: how to request a new or replacement laptop, delivery times and what
happens to the old one.
"""

ARTICLES = [
    # slug, title, summary, body, category slugs, tags, state, audience, demo view count
    (
        "connect-to-the-vpn-from-home",
        "Connect to the VPN from home",
        "Sign in to GlobalProtect to reach company systems from anywhere.",
        VPN_HOME,
        ["network-vpn"],
        ["vpn", "remote work", "globalprotect"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        412,
    ),
    (
        "vpn-connected-but-internal-sites-do-not-load",
        "VPN connected but internal sites do not load",
        "Reconnect, then flush the DNS cache.",
        VPN_INTERNAL_SITES,
        ["network-vpn"],
        ["vpn", "dns"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        158,
    ),
    (
        "reset-your-password",
        "Reset your password",
        "Reset a forgotten or expired password yourself on the password page.",
        PASSWORD_RESET,
        ["accounts"],
        ["password", "self-service"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        655,
    ),
    (
        "unlock-your-account",
        "Unlock your account after too many attempts",
        "Wait 15 minutes or reset your password; then update it on your phone.",
        ACCOUNT_LOCKED,
        ["accounts"],
        ["password", "locked"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        203,
    ),
    (
        "set-up-mfa-on-a-new-phone",
        "Set up MFA on a new phone",
        "Move Microsoft Authenticator to a new phone before you wipe the old one.",
        MFA_NEW_PHONE,
        ["accounts"],
        ["mfa", "phone"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        97,
    ),
    (
        "email-on-your-phone",
        "Set up company email on your phone",
        "Use the Outlook app on iPhone or Android, with Intune Company Portal.",
        MAIL_ON_PHONE,
        ["email"],
        ["email", "phone", "outlook"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        321,
    ),
    (
        "outlook-keeps-asking-for-your-password",
        "Outlook keeps asking for your password",
        "Clear the saved Office credentials and sign in once.",
        OUTLOOK_PASSWORD_PROMPTS,
        ["email"],
        ["outlook", "password"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        144,
    ),
    (
        "access-a-shared-mailbox",
        "Access a shared mailbox",
        "Request access and add a shared mailbox to Outlook.",
        SHARED_MAILBOX,
        ["email"],
        ["email", "shared mailbox"],
        ArticleState.DRAFT,
        ArticleAudience.EVERYONE,
        0,
    ),
    (
        "add-an-office-printer",
        "Add an office printer",
        "Add PRN printers on Windows or macOS; release jobs with your badge.",
        ADD_PRINTER,
        ["printing"],
        ["printer"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        188,
    ),
    (
        "printer-prints-blank-pages",
        "Printer prints blank or faded pages",
        "Check the toner seal and print a test page.",
        BLANK_PAGES,
        ["printing"],
        ["printer", "toner"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        76,
    ),
    (
        "known-issue-wifi-drops-on-floor-3",
        "Known issue: Wi-Fi drops on floor 3",
        "Workaround: use corp-5g or a desk network socket until the access point is replaced.",
        WIFI_OUTAGE,
        ["network"],
        ["wi-fi", "known issue", "outage"],
        ArticleState.PUBLISHED,
        ArticleAudience.EVERYONE,
        59,
    ),
    (
        "vpn-gateway-failover-runbook",
        "VPN gateway failover runbook",
        "How on-call fails the VPN over to the standby gateway.",
        VPN_FAILOVER,
        ["network-vpn"],
        ["vpn", "runbook"],
        ArticleState.PUBLISHED,
        ArticleAudience.STAFF,
        12,
    ),
    (
        "request-a-new-laptop",
        "Request a new laptop",
        "Ordering a new or replacement laptop.",
        NEW_LAPTOP,
        [],
        ["laptop", "hardware"],
        ArticleState.DRAFT,
        ArticleAudience.EVERYONE,
        0,
    ),
]

RELATED = [
    ("connect-to-the-vpn-from-home", "vpn-connected-but-internal-sites-do-not-load"),
    ("connect-to-the-vpn-from-home", "set-up-mfa-on-a-new-phone"),
    ("connect-to-the-vpn-from-home", "vpn-gateway-failover-runbook"),
    ("reset-your-password", "unlock-your-account"),
    ("reset-your-password", "outlook-keeps-asking-for-your-password"),
    ("set-up-mfa-on-a-new-phone", "email-on-your-phone"),
    ("email-on-your-phone", "outlook-keeps-asking-for-your-password"),
    ("add-an-office-printer", "printer-prints-blank-pages"),
]


@transaction.atomic
def seed_knowledge(stdout=None) -> None:
    """Categories and articles by the demo agent; existing ones (matched by slug) are left as
    they are, so people's edits survive a second run."""
    author = User.objects.get(username="agent")
    categories: dict[str, ArticleCategory] = {}
    for slug, name, parent_slug, description in CATEGORIES:
        category = ArticleCategory.objects.filter(slug=slug).first()
        if category is None:
            category = services.create_category(
                by=author,
                name=name,
                parent=categories.get(parent_slug),
                description=description,
                slug=slug,
            )
        categories[slug] = category

    created = 0
    for slug, title, summary, body, category_slugs, tags, state, audience, views in ARTICLES:
        if Article.objects.filter(slug=slug).exists():
            continue
        article = services.create_article(
            by=author,
            title=title,
            slug=slug,
            summary=summary,
            body=body,
            audience=audience,
            categories=[categories[c] for c in category_slugs],
            tags=tags,
        )
        if state == ArticleState.PUBLISHED:
            services.transition_article(article=article, by=author, to_state=state)
        # Demo readership, so "most read" has something to show.
        Article.objects.filter(pk=article.pk).update(view_count=views)
        created += 1

    by_slug = {article.slug: article for article in Article.objects.filter(slug__in=_slugs())}
    with acting_as(author):
        for one, other in RELATED:
            if one in by_slug and other in by_slug:
                by_slug[one].related.add(by_slug[other])
    if stdout:
        stdout.write(f"  knowledge: {len(CATEGORIES)} categories, {created} new articles")


def _slugs() -> set[str]:
    return {slug for slug, *_rest in ARTICLES}
