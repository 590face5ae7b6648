import base64
import binascii
import csv
import hashlib
import io
import re
from collections import defaultdict
from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import escape_psql

# A worked duration above this many hours in one row is refused as absurd.
MAX_ROW_HOURS = 24.0

FORMATS = [
    ("toggl", "Toggl Track (detailed report)"),
    ("clockify", "Clockify (detailed report)"),
    ("harvest", "Harvest (detailed time report)"),
    ("generic", "Generic CSV (column mapping)"),
]

# Columns (lower case) that recognise each vendor's export; see README, "Import".
SIGNATURES = {
    "clockify": {"start date", "start time", "duration (decimal)", "user", "email"},
    "toggl": {"user", "email", "start date", "start time", "duration"},
    "harvest": {"date", "hours", "first name", "last name", "billable?"},
}
# Columns holding the tracker's own id of an entry, when the export has one.
ID_COLUMNS = ("id", "time entry id", "entry id")

TRUE_WORDS = {"yes", "y", "true", "1", "billable", "x", "oui", "ja"}
FALSE_WORDS = {"no", "n", "false", "0", "non-billable", "non billable", "nein", "non", ""}


def _parse_hours(text):
    """Hours of ``h:mm[:ss]`` or of a decimal number (``1.5`` or ``1,5``)."""
    text = (text or "").strip()
    if not text:
        raise ValueError("empty")
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if ":" in text:
        parts = [float(part) for part in text.split(":")]
        if len(parts) not in (2, 3):
            raise ValueError(text)
        hours, minutes, seconds = (parts + [0.0])[:3]
        return sign * (hours + minutes / 60 + seconds / 3600)
    return sign * float(text.replace(",", "."))


def _parse_date(text, order):
    text = (text or "").strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return date(*(int(part) for part in text.split("-")))
    match = re.fullmatch(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})", text)
    if not match:
        raise ValueError(text)
    first, sep, second, year = match.groups()
    if sep == "." or order == "dmy":
        return date(int(year), int(second), int(first))
    return date(int(year), int(first), int(second))


def _parse_time(text):
    """``HH:MM[:SS]`` with an optional AM/PM, as ``HH:MM:SS`` (empty when absent)."""
    text = (text or "").strip().upper()
    if not text:
        return ""
    for pattern in ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"):
        try:
            return datetime.strptime(text, pattern).strftime("%H:%M:%S")
        except ValueError:
            continue
    raise ValueError(text)


def _parse_bool(text):
    word = (text or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False if word else None
    raise ValueError(text)


class SupportTimeImportWizard(models.TransientModel):
    """Import the time of another tracker: preview every row, then write the valid ones
    through the same rules as typed entries, once."""

    _name = "support.time.import.wizard"
    _description = "Import Support Time from Another Tracker"

    state = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview"), ("done", "Done")],
        default="upload",
        required=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    data_file = fields.Binary(string="CSV File", attachment=False)
    filename = fields.Char()
    file_format = fields.Selection(
        FORMATS,
        string="Format",
        readonly=True,
        help="Recognised from the file's header row.",
    )
    date_order = fields.Selection(
        [("mdy", "Month/Day/Year (US)"), ("dmy", "Day/Month/Year")],
        string="Dates with Slashes",
        default="mdy",
        required=True,
        help="How dates such as 03/04/2026 are read. ISO dates (2026-04-03) and dotted "
        "dates (03.04.2026) are always read the same way.",
    )
    create_missing = fields.Boolean(
        string="Create Missing Projects and Tasks",
        help="Create the customer's support project and the tasks that the file names but "
        "that do not exist yet. Customers and users are never created.",
    )
    # generic CSV: which column holds what
    map_ref = fields.Char(string="Id Column", default="ID")
    map_email = fields.Char(string="Email Column", default="Email")
    map_user = fields.Char(string="User Column", default="User")
    map_date = fields.Char(string="Date Column", default="Date")
    map_start = fields.Char(string="Start Time Column", default="Start")
    map_duration = fields.Char(
        string="Duration Column",
        default="Duration",
        help="Hours as a decimal number (1.5) or as h:mm[:ss] (1:30).",
    )
    map_client = fields.Char(string="Customer Column", default="Client")
    map_project = fields.Char(string="Project Column", default="Project")
    map_task = fields.Char(string="Task Column", default="Task")
    map_description = fields.Char(string="Description Column", default="Description")
    map_billable = fields.Char(string="Billable Column", default="Billable")

    line_ids = fields.One2many("support.time.import.line", "wizard_id", string="Rows")
    row_count = fields.Integer(compute="_compute_counts")
    valid_count = fields.Integer(string="To Import", compute="_compute_counts")
    refused_count = fields.Integer(string="Refused", compute="_compute_counts")
    existing_count = fields.Integer(string="Already Imported", compute="_compute_counts")
    unknown_names = fields.Text(readonly=True)
    result_message = fields.Text(readonly=True)

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.row_count = len(statuses)
            wizard.valid_count = statuses.count("new")
            wizard.refused_count = statuses.count("refused")
            wizard.existing_count = statuses.count("exists")

    # -- actions -------------------------------------------------------------------------
    def action_preview(self):
        """One preview row per row of the file; nothing but the preview is written."""
        self.ensure_one()
        rows, unknown = self._analyse()
        self.line_ids.unlink()
        self.env["support.time.import.line"].create(
            [dict(self._line_values(row), wizard_id=self.id) for row in rows]
        )
        self.write({"state": "preview", "unknown_names": unknown or False})
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self.line_ids.unlink()
        self.write({"state": "upload", "unknown_names": False})
        return self._reopen()

    def action_import(self):
        """Write the valid rows (the file is read and checked again: the database may have
        changed since the preview) in one transaction."""
        self.ensure_one()
        rows, _unknown = self._analyse()
        lines = self._import_rows(rows)
        statuses = [row["status"] for row in rows]
        message = self.env._(
            "%(new)s entries imported (%(hours)s h). %(exists)s rows were already imported; "
            "%(refused)s rows refused.",
            new=len(lines),
            hours=f"{sum(row['hours'] for row in rows if row['status'] == 'new'):.2f}",
            exists=statuses.count("exists"),
            refused=statuses.count("refused"),
        )
        for row in rows:
            if row["status"] == "new":
                row["status"] = "imported"
        self.line_ids.unlink()
        self.env["support.time.import.line"].create(
            [dict(self._line_values(row), wizard_id=self.id) for row in rows]
        )
        self.write({"state": "done", "result_message": message})
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": self.env._("Import Support Time"),
        }

    # -- reading the file ------------------------------------------------------------------
    def _read_csv(self):
        """(header, rows) of the uploaded file, the header stripped."""
        self.ensure_one()
        if not self.data_file:
            raise UserError(self.env._("Choose the CSV file exported from the other tracker."))
        try:
            raw = base64.b64decode(self.data_file)
        except (binascii.Error, ValueError) as error:
            raise UserError(self.env._("The file could not be read.")) from error
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        first_line = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first_line.count)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = [column.strip() for column in next(reader, [])]
        rows = [row for row in reader if any(cell.strip() for cell in row)]
        if not header or not rows:
            raise UserError(self.env._("The file has no rows to import."))
        return header, rows

    def _detect_format(self, header):
        columns = {column.lower() for column in header}
        for name in ("clockify", "toggl", "harvest"):
            if SIGNATURES[name] <= columns:
                return name
        wanted = {
            self.env._("date"): self.map_date,
            self.env._("duration"): self.map_duration,
        }
        missing = [
            f"{label} ({column or '-'})"
            for label, column in wanted.items()
            if not column or column.lower() not in columns
        ]
        if not any(
            column and column.lower() in columns for column in (self.map_email, self.map_user)
        ):
            missing.append(
                self.env._(
                    "user or email (%(columns)s)", columns=f"{self.map_user}/{self.map_email}"
                )
            )
        if missing:
            raise UserError(
                self.env._(
                    "The header row is not that of a Toggl Track, Clockify or Harvest export, "
                    "and the generic mapping does not find these columns: %(missing)s. Set the "
                    "column names of your file in the mapping, or export the detailed report "
                    "of your tracker.",
                    missing=", ".join(missing),
                )
            )
        return "generic"

    def _normalise(self, fmt, header, row):
        """The vendor's row as {ref_id, email, user_name, date, start, hours, client,
        project, task, description, billable}; raises ValueError on an unreadable cell."""
        cells = {
            column.lower(): (value or "").strip()
            for column, value in zip(header, row, strict=False)
        }

        def cell(*names):
            for name in names:
                if name and name.lower() in cells:
                    return cells[name.lower()]
            return ""

        ref_id = cell(*ID_COLUMNS)
        if fmt == "toggl":
            values = {
                "email": cell("email"),
                "user_name": cell("user"),
                "date": cell("start date"),
                "start": cell("start time"),
                "hours": cell("duration"),
                "client": cell("client"),
                "project": cell("project"),
                "task": cell("task"),
                "description": cell("description"),
                "billable": cell("billable"),
            }
        elif fmt == "clockify":
            values = {
                "email": cell("email"),
                "user_name": cell("user"),
                "date": cell("start date"),
                "start": cell("start time"),
                "hours": cell("duration (decimal)") or cell("duration (h)"),
                "client": cell("client"),
                "project": cell("project"),
                "task": cell("task"),
                "description": cell("description"),
                "billable": cell("billable"),
            }
        elif fmt == "harvest":
            values = {
                "email": cell("email"),
                "user_name": f"{cell('first name')} {cell('last name')}".strip(),
                "date": cell("date"),
                "start": cell("started at", "start time"),
                "hours": cell("hours"),
                "client": cell("client"),
                "project": cell("project"),
                "task": cell("task"),
                "description": cell("notes"),
                "billable": cell("billable?"),
            }
        else:
            ref_id = cell(self.map_ref)
            values = {
                "email": cell(self.map_email),
                "user_name": cell(self.map_user),
                "date": cell(self.map_date),
                "start": cell(self.map_start),
                "hours": cell(self.map_duration),
                "client": cell(self.map_client),
                "project": cell(self.map_project),
                "task": cell(self.map_task),
                "description": cell(self.map_description),
                "billable": cell(self.map_billable),
            }
        values["ref_id"] = ref_id
        return values

    def _parse_row(self, values):
        """Parse the cells of a normalised row in place; returns an error or ''."""
        try:
            values["date"] = _parse_date(values["date"], self.date_order)
        except ValueError:
            return self.env._("unreadable date %(value)s", value=values["date"] or "-")
        try:
            values["hours"] = _parse_hours(values["hours"])
        except ValueError:
            return self.env._("unreadable duration %(value)s", value=values["hours"] or "-")
        try:
            values["start"] = _parse_time(values["start"])
        except ValueError:
            return self.env._("unreadable start time %(value)s", value=values["start"])
        try:
            values["billable"] = _parse_bool(values["billable"])
        except ValueError:
            return self.env._("unreadable billable flag %(value)s", value=values["billable"])
        return ""

    @staticmethod
    def _import_ref(fmt, values):
        if values["ref_id"]:
            return f"{fmt}:id:{values['ref_id']}"
        key = "|".join(
            [
                (values["email"] or values["user_name"]).lower(),
                values["date"].isoformat(),
                values["start"],
                f"{values['hours']:.4f}",
                values["description"],
            ]
        )
        return f"{fmt}:sha1:{hashlib.sha1(key.encode()).hexdigest()}"

    # -- matching: everything is read once per file -------------------------------------------
    def _match_users(self):
        """({email: user}, {name: user}) of the internal users (a name two users share
        matches neither)."""
        users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=True)
            .search_fetch([("share", "=", False)], ["login", "email", "name"])
        )
        by_email, by_name, names_seen = {}, {}, defaultdict(int)
        for user in users:
            for email in {user.login, user.email}:
                if email and "@" in email:
                    by_email.setdefault(email.strip().lower(), user)
            names_seen[user.name.strip().lower()] += 1
            by_name[user.name.strip().lower()] = user
        by_name = {name: user for name, user in by_name.items() if names_seen[name] == 1}
        return by_email, by_name

    def _name_domain(self, names):
        return expression.OR([[("name", "=ilike", escape_psql(name))] for name in names])

    def _match_customers(self, names):
        if not names:
            return {}
        partners = (
            self.env["res.partner"]
            .sudo()
            .search_fetch(
                expression.AND(
                    [
                        self._name_domain(names),
                        [("parent_id", "=", False)],
                        ["|", ("company_id", "=", False), ("company_id", "=", self.company_id.id)],
                    ]
                ),
                ["name"],
                order="id",
            )
        )
        found = {}
        for partner in partners:
            found.setdefault(partner.name.strip().lower(), partner)
        return found

    def _analyse(self):
        """Read, parse and check every row of the file; nothing is written.

        Returns (rows, the text listing unknown names). Each row is a dict with its
        ``status``: ``new`` (to import), ``exists`` (already imported) or ``refused`` with
        its ``error``."""
        self.ensure_one()
        company = self.company_id
        header, raw_rows = self._read_csv()
        fmt = self._detect_format(header)
        self.file_format = fmt
        rows = []
        for number, raw in enumerate(raw_rows, start=2):
            values = self._normalise(fmt, header, raw)
            values.update(row=number, status="new", error=self._parse_row(values))
            if not values["error"]:
                values["ref"] = self._import_ref(fmt, values)
            rows.append(values)
        parsed = [row for row in rows if not row["error"]]

        by_email, by_name = self._match_users()
        Employee = self.env["hr.employee"].sudo()
        employees = Employee.search_fetch(
            [("company_id", "=", company.id), ("user_id", "!=", False)], ["user_id"]
        )
        employee_of = {employee.user_id.id: employee for employee in employees}
        customers = self._match_customers({row["client"] for row in parsed if row["client"]})
        partners = self.env["res.partner"].browse({partner.id for partner in customers.values()})
        projects = (
            self.env["project.project"]
            .sudo()
            .search_fetch(
                [
                    ("is_support_project", "=", True),
                    ("partner_id", "in", partners.ids),
                    ("company_id", "in", [company.id, False]),
                ],
                ["name", "partner_id"],
                order="id",
            )
        )
        project_by_name, project_of = {}, {}
        for project in projects:
            project_by_name.setdefault((project.partner_id.id, project.name.lower()), project)
            project_of.setdefault(project.partner_id.id, project)
        task_names = {row["task"] or row["project"] for row in parsed} - {""}
        tasks = self.env["project.task"].browse()
        if task_names and projects:
            tasks = (
                self.env["project.task"]
                .sudo()
                .search_fetch(
                    expression.AND(
                        [[("project_id", "in", projects.ids)], self._name_domain(task_names)]
                    ),
                    ["name", "project_id", "support_type_id"],
                    order="id",
                )
            )
        task_by_name = {}
        for task in tasks:
            task_by_name.setdefault((task.project_id.id, task.name.lower()), task)
        Line = self.env["account.analytic.line"].sudo()
        refs = [row["ref"] for row in parsed]
        existing = set()
        for start in range(0, len(refs), 5000):
            existing.update(
                Line.search_fetch(
                    [
                        ("company_id", "=", company.id),
                        ("support_import_ref", "in", refs[start : start + 5000]),
                    ],
                    ["support_import_ref"],
                ).mapped("support_import_ref")
            )
        invoiced_until = dict(
            Line._read_group(
                [
                    ("company_id", "=", company.id),
                    ("support_partner_id", "in", partners.ids),
                    ("support_invoice_line_id.parent_state", "=", "posted"),
                ],
                ["support_partner_id"],
                ["date:max"],
            )
        )
        invoiced_until = {partner.id: day for partner, day in invoiced_until.items()}

        unknown = defaultdict(set)
        seen_refs = {}
        for row in parsed:
            user = by_email.get(row["email"].lower()) if row["email"] else None
            user = user or by_name.get(row["user_name"].lower())
            customer = customers.get(row["client"].lower())
            named = customer and project_by_name.get((customer.id, row["project"].lower()))
            project = named or (customer and project_of.get(customer.id))
            # the other tracker's project becomes a task when no support project has its name
            task_name = row["task"] or ("" if named else row["project"])
            task = project and task_by_name.get((project.id, task_name.lower()))
            support_type = (task and task.support_type_id) or (
                customer and customer.support_type_id
            )
            row.update(
                user_rec=user,
                employee_rec=user and employee_of.get(user.id),
                customer_rec=customer,
                project_rec=project,
                task_name=task_name,
                task_rec=task,
                create_project=bool(customer and not project),
                create_task=bool(customer and task_name and not task),
                support_type_rec=support_type,
            )
            if row["billable"] is None:
                row["billable"] = bool(support_type.billable) if support_type else True
            row["error"] = self._check_row(row, invoiced_until, unknown)
            if row["error"]:
                continue
            if row["ref"] in existing:
                row["status"] = "exists"
            elif row["ref"] in seen_refs:
                row["error"] = self.env._("duplicate of row %(row)s", row=seen_refs[row["ref"]])
            else:
                seen_refs[row["ref"]] = row["row"]
        for row in rows:
            if row["error"]:
                row["status"] = "refused"
        lines = []
        for label, names in (
            (self.env._("Users"), unknown["user"]),
            (self.env._("Customers"), unknown["customer"]),
            (self.env._("Projects"), unknown["project"]),
            (self.env._("Tasks"), unknown["task"]),
        ):
            if names:
                lines.append(f"{label}: {', '.join(sorted(names))}")
        return rows, "\n".join(lines)

    def _check_row(self, row, invoiced_until, unknown):
        """Why the row is refused, or ''."""
        _ = self.env._
        if not row["user_rec"]:
            unknown["user"].add(row["email"] or row["user_name"] or "-")
            return _("unknown user %(user)s", user=row["email"] or row["user_name"] or "-")
        if not row["employee_rec"]:
            return _(
                "%(user)s has no employee in %(company)s",
                user=row["user_rec"].name,
                company=self.company_id.name,
            )
        if row["hours"] < 0:
            return _("negative duration (%(hours)s h)", hours=f"{row['hours']:.2f}")
        if row["hours"] == 0:
            return _("no time worked")
        if row["hours"] > MAX_ROW_HOURS:
            return _(
                "absurd duration (%(hours)s h, more than %(max)s h in one entry)",
                hours=f"{row['hours']:.2f}",
                max=int(MAX_ROW_HOURS),
            )
        customer = row["customer_rec"]
        if not customer:
            unknown["customer"].add(row["client"] or "-")
            return _("unknown customer %(customer)s", customer=row["client"] or "-")
        if row["create_project"]:
            unknown["project"].add(f"{customer.name}: {row['project'] or '-'}")
            if not self.create_missing:
                return _(
                    "%(customer)s has no support project (tick Create Missing Projects and Tasks)",
                    customer=customer.name,
                )
        if row["create_task"]:
            unknown["task"].add(f"{customer.name}: {row['task_name']}")
            if not self.create_missing:
                return _(
                    "unknown task %(task)s (tick Create Missing Projects and Tasks)",
                    task=row["task_name"],
                )
        until = invoiced_until.get(customer.id)
        if until and row["date"] <= until:
            return _(
                "date in an invoiced period: the support time of %(customer)s is invoiced up "
                "to %(date)s",
                customer=customer.name,
                date=until.isoformat(),
            )
        return ""

    def _line_values(self, row):
        values = {
            "row": row["row"],
            "status": row["status"],
            "error": row["error"] or False,
            "source_user": row["email"] or row["user_name"],
            "source_customer": row["client"],
            "source_project": row["project"],
            "description": row["description"],
        }
        if "user_rec" not in row:  # unreadable: nothing matched
            return values
        customer, project, task = row["customer_rec"], row["project_rec"], row["task_rec"]
        if project:
            project_name = project.name
        elif customer:
            project_name = self.env._("Support - %(customer)s", customer=customer.name)
        else:
            project_name = False
        values.update(
            user_id=row["user_rec"].id if row["user_rec"] else False,
            partner_id=customer.id if customer else False,
            project_id=project.id if project else False,
            project_name=project_name,
            task_id=task.id if task else False,
            task_name=row["task_name"] or False,
            create_project=row["create_project"],
            create_task=row["create_task"],
            date=row["date"],
            unit_amount=row["hours"],
            billable=row["billable"],
            support_type_id=row["support_type_rec"].id if row["support_type_rec"] else False,
            import_ref=row["ref"],
        )
        return values

    # -- writing -----------------------------------------------------------------------------
    def _import_rows(self, rows):
        """Create the missing projects and tasks, then every valid row in one create(), in
        date order (blocks are drawn oldest first)."""
        valid = [row for row in rows if row["status"] == "new"]
        if not valid:
            return self.env["account.analytic.line"]
        self.env["account.analytic.line"].check_access("create")
        company = self.company_id
        new_projects = {row["customer_rec"] for row in valid if row["create_project"]}
        if new_projects:
            customers = sorted(new_projects, key=lambda partner: partner.id)
            # like a block's activation: the customer's support project is created by the
            # module (the manager may log time without the right to create projects)
            created = (
                self.env["project.project"]
                .sudo()
                .create(
                    [
                        {
                            "name": self.env._("Support - %(customer)s", customer=customer.name),
                            "partner_id": customer.id,
                            "is_support_project": True,
                            "allow_timesheets": True,
                            "company_id": company.id,
                        }
                        for customer in customers
                    ]
                )
            )
            project_of = dict(zip(customers, created.sudo(False), strict=True))
            for row in valid:
                if row["create_project"]:
                    row["project_rec"] = project_of[row["customer_rec"]]
        wanted_tasks = {}
        for row in valid:
            if row["create_task"]:
                wanted_tasks.setdefault((row["project_rec"], row["task_name"].lower()), row)
        if wanted_tasks:
            keys = list(wanted_tasks)
            created = (
                self.env["project.task"]
                .sudo()
                .create(
                    [
                        {
                            "name": wanted_tasks[key]["task_name"],
                            "project_id": key[0].id,
                            "partner_id": wanted_tasks[key]["customer_rec"].id,
                        }
                        for key in keys
                    ]
                )
            )
            task_of = dict(zip(keys, created.sudo(False), strict=True))
            for row in valid:
                if row["create_task"]:
                    row["task_rec"] = task_of[(row["project_rec"], row["task_name"].lower())]
        valid.sort(key=lambda row: (row["date"], row["start"], row["row"]))
        vals_list = []
        for row in valid:
            vals = {
                "name": row["description"] or "/",
                "date": row["date"],
                "unit_amount": row["hours"],
                "project_id": row["project_rec"].id,
                "task_id": row["task_rec"].id if row["task_rec"] else False,
                "employee_id": row["employee_rec"].id,
                "user_id": row["user_rec"].id,
                "company_id": company.id,
                "billable": row["billable"],
                "support_import_ref": row["ref"],
            }
            if row["support_type_rec"]:
                vals["support_type_id"] = row["support_type_rec"].id
            vals_list.append(vals)
        return (
            self.env["account.analytic.line"]
            .with_company(company)
            .with_context(tracking_disable=True)
            .create(vals_list)
        )
