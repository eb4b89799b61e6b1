"""The twin kit: one declarative way to write a twin (see docs/writing-a-twin.md)."""

from twins.kit.args import Args, Upload
from twins.kit.auth import Anonymous, BasicOrBearer, Caller, Credential, OktaTokens, SlackTokens
from twins.kit.call import Call
from twins.kit.errors import JIRA, OKTA, SLACK, ErrorStyle
from twins.kit.extensions import Extensions
from twins.kit.operations import Operation, Registry, Reply
from twins.kit.outbox import (
    JIRA_RETRY,
    OKTA_RETRY,
    SLACK_RETRY,
    Delivery,
    Event,
    HubSignature,
    Outbox,
    Retry,
    SlackSignature,
)
from twins.kit.pagers import BodyCursor, LinkAfter, LinkPages, OffsetTotal, TokenPages
from twins.kit.renders import RowRender
from twins.kit.twin import Kit, lifecycle, runtime_of

__all__ = [
    "JIRA", "JIRA_RETRY", "OKTA", "OKTA_RETRY", "SLACK", "SLACK_RETRY", "Anonymous", "Args",
    "BasicOrBearer", "BodyCursor", "Call", "Caller", "Credential", "Delivery", "ErrorStyle", "Event",
    "Extensions", "HubSignature", "Kit", "LinkAfter", "LinkPages", "OffsetTotal", "OktaTokens",
    "Operation", "Outbox", "Registry", "Reply", "Retry", "RowRender", "SlackSignature", "SlackTokens",
    "TokenPages", "Upload", "lifecycle", "runtime_of",
]  # fmt: skip
