"""Facts about a rejection: company, role, signer, stage, stated reason, language, reply address.

`extract` gathers them into an `Extraction` (`facts/model.py`), each from the module that owns it
(`company`, `role`, `people`, `rules`, `language`). Every field carries a confidence in [0, 1];
`None` is a valid answer. A wrong company is worse than none, so weak guesses stay weak and
callers decide what to trust.
"""

from __future__ import annotations

from onward.facts.company import extract_company
from onward.facts.language import detect_language
from onward.facts.model import Extraction
from onward.facts.people import extract_signer, reply_address
from onward.facts.role import _role_without_company, extract_role
from onward.facts.rules import extract_reason, extract_stage
from onward.mail.message import ParsedMessage


def extract(message: ParsedMessage) -> Extraction:
    company = extract_company(message)
    signer = extract_signer(message, company.value)
    return Extraction(
        company=company,
        role=_role_without_company(extract_role(message), company.value, message.from_[0]),
        signer=signer,
        stage=extract_stage(message),
        reason=extract_reason(message),
        lang=detect_language(message),
        reply_to=reply_address(message, signer.value),
    )
