"""A thin Python client for the SCC workflow server (sccd).

Stubs are generated from proto/ at build time into build/python; put that directory and
clients/python on PYTHONPATH. Uses Debian's python3-grpcio and python3-protobuf.

    from scc_client import Client, RefusedByRule
    scc = Client("127.0.0.1:50051", token="dev-hosi")
    scc.command("RaiseConcern", "100150", {"triggers": [...], "discussed_with_headteacher_on": ...})
    status = scc.get_institution("100150")

Failures raise typed errors carrying what the server said: InvalidRequest (field violations),
RefusedByRule (rule, state, allowed next steps), VersionConflict (current version),
AlreadyExists, NotFound, Unauthenticated, PermissionDenied, Unavailable.
"""

import uuid

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2
from scc.v1 import (admin_pb2, admin_pb2_grpc, audit_pb2, audit_pb2_grpc, common_pb2, projections_pb2,
                    projections_pb2_grpc, reports_pb2, reports_pb2_grpc, workflow_pb2,
                    workflow_pb2_grpc)

__all__ = [
    "Client", "SccError", "InvalidRequest", "RefusedByRule", "VersionConflict", "AlreadyExists",
    "NotFound", "Unauthenticated", "PermissionDenied", "Unavailable",
]


class SccError(Exception):
    """A call the server did not carry out."""

    def __init__(self, code, message, details=()):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)


class InvalidRequest(SccError):
    """INVALID_ARGUMENT: `field_violations` is a list of (field, description)."""

    @property
    def field_violations(self):
        out = []
        for d in self.details:
            if isinstance(d, error_details_pb2.BadRequest):
                out.extend((v.field, v.description) for v in d.field_violations)
        return out


class RefusedByRule(SccError):
    """FAILED_PRECONDITION: a workflow rule refused the command."""

    def _info(self, key):
        for d in self.details:
            if isinstance(d, error_details_pb2.ErrorInfo):
                return d.metadata.get(key, "")
        return ""

    @property
    def rule(self):
        return self._info("rule")

    @property
    def state(self):
        return self._info("state")

    @property
    def allowed_next_steps(self):
        steps = self._info("allowed_next_steps")
        return steps.split(",") if steps else []


class VersionConflict(SccError):
    """ABORTED: the institution is not at the expected version."""

    @property
    def current_version(self):
        for d in self.details:
            if isinstance(d, error_details_pb2.ErrorInfo) and d.metadata.get("current_version"):
                return int(d.metadata["current_version"])
        return None


class AlreadyExists(SccError):
    """ALREADY_EXISTS: registered already, or a request_id reused for another command."""


class NotFound(SccError):
    """NOT_FOUND: no such institution."""


class Unauthenticated(SccError):
    """UNAUTHENTICATED: missing or unknown token."""


class PermissionDenied(SccError):
    """PERMISSION_DENIED: the caller's role may not do this."""


class Unavailable(SccError):
    """UNAVAILABLE, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED: try again later."""


_ERRORS = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidRequest,
    grpc.StatusCode.FAILED_PRECONDITION: RefusedByRule,
    grpc.StatusCode.ABORTED: VersionConflict,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: Unavailable,
}

_DETAIL_TYPES = {
    "type.googleapis.com/google.rpc.BadRequest": error_details_pb2.BadRequest,
    "type.googleapis.com/google.rpc.PreconditionFailure": error_details_pb2.PreconditionFailure,
    "type.googleapis.com/google.rpc.ErrorInfo": error_details_pb2.ErrorInfo,
}


def _translate(error):
    """grpc.RpcError -> the matching SccError, with the rich details decoded."""
    details = []
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for any_detail in status.details:
                cls = _DETAIL_TYPES.get(any_detail.type_url)
                if cls is not None:
                    details.append(cls.FromString(any_detail.value))
    return _ERRORS.get(error.code(), SccError)(error.code(), error.details(), details)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _open_channel(address, tls_ca, tls_cert, tls_key):
    if bool(tls_cert) != bool(tls_key):
        raise ValueError("tls_cert and tls_key go together")
    if not tls_ca:
        if tls_cert:
            raise ValueError("a client certificate needs TLS: give tls_ca too")
        return grpc.insecure_channel(address)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(tls_ca),
        private_key=_read(tls_key) if tls_key else None,
        certificate_chain=_read(tls_cert) if tls_cert else None)
    return grpc.secure_channel(address, credentials)


class Client:
    """Calls sccd with a bearer token. Thread-safe (gRPC channels and stubs are).

    Plaintext unless tls_ca (PEM file of the CA that signs sccd's certificate) is given;
    tls_cert and tls_key add a client certificate for mutual TLS.
    """

    def __init__(self, address="127.0.0.1:50051", token="", timeout=10.0,
                 tls_ca=None, tls_cert=None, tls_key=None):
        self._channel = _open_channel(address, tls_ca, tls_cert, tls_key)
        self._metadata = (("authorization", "Bearer " + token),) if token else ()
        self._timeout = timeout
        stubs = [
            workflow_pb2_grpc.InstitutionServiceStub(self._channel),
            workflow_pb2_grpc.DesignationServiceStub(self._channel),
            workflow_pb2_grpc.InterventionServiceStub(self._channel),
            workflow_pb2_grpc.AcademyServiceStub(self._channel),
            workflow_pb2_grpc.SettingServiceStub(self._channel),
        ]
        self._commands = {}
        for stub in stubs:
            for name in dir(stub):
                if name[0].isupper():
                    self._commands[name] = getattr(stub, name)
        self.audit = audit_pb2_grpc.AuditServiceStub(self._channel)
        self.projections = projections_pb2_grpc.ProjectionServiceStub(self._channel)
        self.reports = reports_pb2_grpc.ReportServiceStub(self._channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, request, timeout=None):
        try:
            return method(request, metadata=self._metadata, timeout=timeout or self._timeout)
        except grpc.RpcError as error:
            raise _translate(error) from None

    def command(self, rpc, urn, payload=None, *, request_id=None, effective_date="", reason="",
                notes="", confidential=False, expected_version=None):
        """Sends command `rpc` (e.g. "DesignateSchool") for `urn`.

        `payload` is the request's payload message, or a dict in protobuf JSON form. Returns the
        CommandResult; `request_id` defaults to a new UUID (reuse it to retry safely).
        """
        if rpc not in self._commands:
            raise ValueError("unknown command %r" % rpc)
        request = getattr(workflow_pb2, rpc + "Request")()
        context = request.context
        context.urn = urn
        context.request_id = request_id or str(uuid.uuid4())
        context.effective_date = effective_date
        context.reason = reason
        context.notes.text = notes
        context.notes.confidential = confidential
        if expected_version is not None:
            context.expected_version = expected_version
        payload_field = request.DESCRIPTOR.fields_by_number[2]
        target = getattr(request, payload_field.name)
        if isinstance(payload, dict):
            json_format.ParseDict(payload, target)
        elif payload is not None:
            target.CopyFrom(payload)
        else:
            target.SetInParent()
        return self._call(self._commands[rpc], request)

    @staticmethod
    def _options(as_of=None, known_at=None, min_position=None):
        options = projections_pb2.QueryOptions()
        if as_of:
            options.as_of = as_of
        if known_at is not None:
            options.known_at.FromDatetime(known_at)
        if min_position is not None:
            options.min_position = min_position
        return options

    def get_institution(self, urn, as_of=None, known_at=None, min_position=None):
        request = projections_pb2.GetInstitutionRequest(
            urn=urn, options=self._options(as_of, known_at, min_position))
        return self._call(self.projections.GetInstitution, request)

    def list_institutions(self, as_of=None, min_position=None, page_size=100, **filters):
        """Every matching institution, following the pages. Filters as in
        ListInstitutionsRequest, e.g. causing_concern=True, states=[...]."""
        request = projections_pb2.ListInstitutionsRequest(
            options=self._options(as_of, None, min_position), page_size=page_size, **filters)
        return self._pages(self.projections.ListInstitutions, request, "institutions")

    def list_obligations(self, as_of=None, **filters):
        request = projections_pb2.ListObligationsRequest(options=self._options(as_of), **filters)
        return self._pages(self.projections.ListObligations, request, "obligations")

    def _pages(self, method, request, field):
        """The items in `field` of every page `method` answers for `request`."""
        while True:
            page = self._call(method, request)
            yield from getattr(page, field)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def workflow_state(self, urn):
        return self._call(self.audit.GetWorkflowState, audit_pb2.GetWorkflowStateRequest(urn=urn))

    def history(self, urn):
        """The institution's whole audit trail, oldest first."""
        request = audit_pb2.GetHistoryRequest(urn=urn, page_size=500)
        while True:
            page = self._call(self.audit.GetHistory, request)
            yield from page.events
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def term_report(self, term, fmt="html", known_at=None, compare_known_at=None):
        """The termly progress report: a ReportFile (filename, content, known_at). Pass the
        returned known_at again to get the same bytes."""
        request = reports_pb2.GenerateTermReportRequest(
            term=term, format=reports_pb2.ReportFormat.Value("REPORT_FORMAT_" + fmt.upper()))
        if known_at is not None:
            request.known_at.CopyFrom(known_at)
        if compare_known_at is not None:
            request.compare_known_at.CopyFrom(compare_known_at)
        return self._call(self.reports.GenerateTermReport, request, timeout=60)

    def verify_log(self, from_position=0):
        """Checks every hash link from `from_position` on. On a log too long for one call the
        server answers DEADLINE_EXCEEDED naming the position to go on from."""
        return self._call(self.audit.VerifyLog,
                          audit_pb2.VerifyLogRequest(from_position=from_position), timeout=150)

    def server_status(self):
        """Denied calls by peer, open watches, credentials in force and the server's limits."""
        return self._call(self.admin.GetServerStatus, admin_pb2.GetServerStatusRequest())

    def watch(self, from_position=0, urns=(), event_types=(), heartbeat_seconds=15, timeout=None):
        """Yields (event or None, next_position) from `from_position` on: history, then live.

        None marks a heartbeat; `next_position` is where to resume after a disconnect, so a
        consumer that stores it misses and repeats nothing. Stops when the stream ends or its
        timeout passes; cancel it by closing the generator.
        """
        request = audit_pb2.WatchRequest(from_position=from_position, urns=list(urns),
                                         event_types=list(event_types),
                                         heartbeat_seconds=heartbeat_seconds)
        stream = self.audit.Watch(request, metadata=self._metadata, timeout=timeout)
        try:
            for message in stream:
                if message.HasField("heartbeat"):
                    yield None, message.heartbeat.next_position
                else:
                    yield message.event, message.event.global_position + 1
        except grpc.RpcError as error:
            if error.code() not in (grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise _translate(error) from None
        finally:
            stream.cancel()


def state_name(state):
    """FLOWCHART_STATE_AT_RISK -> "AT_RISK"."""
    return common_pb2.FlowchartState.Name(state).replace("FLOWCHART_STATE_", "")
