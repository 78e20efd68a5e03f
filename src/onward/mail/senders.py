"""The sender domains onward knows: ATS relays, job boards and freemail providers, and whether a
domain is, or is under, one of them. Fact extraction, draft vetting and the classifier's
counterfactual-sender augmentation all read them."""

from __future__ import annotations

ATS_DOMAINS = (
    "greenhouse.io", "greenhouse-mail.io", "lever.co", "ashbyhq.com", "myworkday.com", "myworkdayjobs.com",
    "smartrecruiters.com", "icims.com", "taleo.net", "teamtailor.com", "teamtailor-mail.com", "personio.de",
    "personio.com", "bamboohr.com", "workablemail.com", "workable.com", "jobvite.com", "successfactors.com",
    "successfactors.eu", "recruitee.com", "breezy.hr", "jazzhr.com", "softgarden.io", "rexx-systems.com",
    "pinpointhq.com", "welcometothejungle.com", "join.com", "dover.com", "gem.com", "eightfold.ai",
    "oraclecloud.com", "hirebridge.com", "paylocity.com", "ultipro.com", "adp.com", "brassring.com",
    "rexx-recruitment.com", "dvinci-hr.com", "d-vinci.de", "concludis.de", "umantis.com", "prescreen.io",
    "onlyfy.io", "hr4you.org", "talent-soft.com", "talentsoft.com", "flatchr.io", "beetween.com", "jobaffinity.fr",
    "werecruit.io", "jobylon.com", "recruitcrm.io", "peopleadmin.com", "governmentjobs.com", "schooljobs.com",
    "interfolio.com", "erecruiter.pl", "intervieweb.it",
)
JOB_BOARD_DOMAINS = (
    "linkedin.com", "indeed.com", "glassdoor.com", "ziprecruiter.com", "joinhandshake.com", "wellfound.com",
    "otta.com", "dice.com", "monster.com", "stepstone.de", "xing.com", "infojobs.net", "computrabajo.com",
    "apec.fr", "hellowork.com", "angel.co", "hired.com", "builtin.com", "simplyhired.com", "indeedemail.com",
    "indeed.fr", "indeed.de", "indeed.es", "indeed.co.uk", "stepstone.at", "stepstone.fr", "occ.com.mx",
    "bumeran.com", "bumeran.com.ar", "nationalevacaturebank.nl", "jobteaser.com", "totaljobs.com", "reed.co.uk",
    "seek.com.au", "usajobs.gov", "welcometothejungle.co", "infojobs.it", "infojobs.com.br", "catho.com.br",
    "vagas.com.br", "computrabajo.com.co", "computrabajo.com.mx",
)
FREEMAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "me.com",
    "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "aol.com", "live.com", "orange.fr",
    "free.fr", "example.com", "example.net", "example.org",
    # the national providers and ISPs a recruiter or a small firm writes from
    "wanadoo.fr", "laposte.net", "sfr.fr", "neuf.fr", "bbox.fr", "numericable.fr", "t-online.de", "freenet.de",
    "arcor.de", "posteo.de", "mailbox.org", "libero.it", "virgilio.it", "tiscali.it", "alice.it", "tin.it",
    "email.it", "seznam.cz", "centrum.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl", "op.pl", "uol.com.br",
    "bol.com.br", "terra.com.br", "ig.com.br", "telefonica.net", "movistar.es", "ziggo.nl", "kpnmail.nl",
    "hetnet.nl", "planet.nl", "home.nl", "xs4all.nl", "telenet.be", "skynet.be", "bluewin.ch", "sunrise.ch",
    "aon.at", "chello.at", "mail.ru", "qq.com", "163.com", "126.com", "naver.com", "daum.net", "rediffmail.com",
    "zoho.com", "fastmail.com", "fastmail.fm", "hey.com", "tutanota.com", "tuta.io", "pm.me", "mac.com",
    "btinternet.com", "sky.com", "virginmedia.com", "ntlworld.com", "talktalk.net", "blueyonder.co.uk",
    "comcast.net", "att.net", "verizon.net", "sbcglobal.net", "bellsouth.net", "cox.net", "charter.net",
    "earthlink.net", "optonline.net", "shaw.ca", "rogers.com", "sympatico.ca", "videotron.ca", "bigpond.com",
    "optusnet.com.au", "xtra.co.nz", "prodigy.net.mx", "mail.com",
)
# providers that run one service under many country domains: yahoo.co.uk, hotmail.fr, gmx.at, yandex.ru
_FREEMAIL_BRANDS = frozenset(("gmail", "googlemail", "yahoo", "ymail", "rocketmail", "hotmail", "outlook", "live",
                              "msn", "aol", "gmx", "icloud", "protonmail", "yandex"))

ATS = frozenset(ATS_DOMAINS)
JOB_BOARDS = frozenset(JOB_BOARD_DOMAINS)
FREEMAIL = frozenset(FREEMAIL_DOMAINS)


def domain_suffixes(domain: str) -> set[str]:
    """"mail.greenhouse.io" -> {"mail.greenhouse.io", "greenhouse.io", "io"}: a set lookup then tells
    whether the domain is, or is under, one in a list."""
    parts = domain.split(".")
    return {".".join(parts[i:]) for i in range(len(parts))}


def is_under(domain: str, domains: frozenset[str]) -> bool:
    """Whether the domain is one of `domains` or a subdomain of one."""
    return not domains.isdisjoint(domain_suffixes(domain))


def is_freemail(domain: str) -> bool:
    """A mailbox anyone can have, which says nothing of an employer: gmail.com, and the national
    domains of the same providers (yahoo.com.mx, hotmail.co.uk)."""
    if is_under(domain, FREEMAIL):
        return True
    labels = domain.split(".")
    # the provider's own label stands before the country's suffix: "yahoo" in yahoo.co.uk and yahoo.fr
    if len(labels) >= 3 and labels[-2] in ("co", "com", "net"):
        return labels[-3] in _FREEMAIL_BRANDS
    return len(labels) >= 2 and labels[-2] in _FREEMAIL_BRANDS
