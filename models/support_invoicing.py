import datetime
import logging
from collections import defaultdict
from typing import NamedTuple

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

# what a run can bill, in the order of the invoice lines
SUPPORT_INVOICE_SOURCES = ("time", "overage", "mileage", "expenses")
# one time line per support type, or per task and support type
SUPPORT_INVOICE_GROUPINGS = ("support_type", "task")


class SupportInvoicingRun(NamedTuple):
    """The checked arguments of one invoicing run (``_support_invoicing_run()``), given to
    each of its steps."""

    company: models.BaseModel  # res.company
    partners: models.BaseModel  # res.partner: the customers, empty for every customer
    date_from: datetime.date | bool  # False: every earlier entry not billed yet
    date_to: datetime.date
    sources: frozenset  # of SUPPORT_INVOICE_SOURCES
    group_by: str  # one of SUPPORT_INVOICE_GROUPINGS


class SupportInvoicing(models.AbstractModel):
    """The support invoicing engine: turns billable support time, block overage, trips
    and re-invoiceable expenses into draft customer invoices, one per customer (and per PO
    for block overage), each source record linked to the invoice line that bills it, so
    that it is billed once.

    ``create_support_invoices()`` is its one entry point, called with plain arguments by
    the invoicing wizard (``support.invoice.wizard``), the monthly cron, RPC clients and
    the tests. What each kind of source bills is ``support.invoicing.source``'s."""

    _name = "support.invoicing"
    _description = "Support Invoicing"

    @api.model
    @api.returns("account.move")
    def create_support_invoices(
        self,
        date_to,
        partner_ids=None,
        date_from=False,
        sources=SUPPORT_INVOICE_SOURCES,
        group_by="support_type",
        company_id=None,
    ):
        """Create one draft customer invoice per customer and PO of what is billable up
        to ``date_to`` and not billed yet; link each source record to its invoice line.

        :param date_to: the last day to bill (a date or ``"YYYY-MM-DD"``)
        :param partner_ids: ids of the customers to invoice (their commercial entities);
            empty: every customer with something to bill
        :param date_from: the first day to bill; False: everything earlier not billed yet
        :param sources: what to bill, among ``"time"``, ``"overage"``, ``"mileage"`` and
            ``"expenses"`` (default: all)
        :param group_by: one time line per ``"support_type"``, or per ``"task"`` and type
        :param company_id: the company whose support is billed (default: the current one)
        :returns: the draft invoices (``account.move``, ids over RPC), empty when there is
            nothing to bill
        :raises ValidationError: the period starts after its end
        :raises UserError: nothing or something unknown to bill, an unknown grouping, a
            malformed date or id, a customer of another company, no Invoicing / Billing
            right
        :raises AccessError: not a Support Manager, or a company the user does not work in
        """
        run = self._support_invoicing_run(
            date_to, partner_ids, date_from, sources, group_by, company_id
        )
        return self.with_company(run.company)._create_invoices(run)

    @api.model
    def _cron_invoice_previous_month(self):
        """Monthly job: invoice, in every company, all that is billable up to the end of
        the previous month and not billed yet."""
        date_to = self._support_previous_month()[1]
        for company in self.env["res.company"].search([]):
            # each company in its own savepoint: a company that fails is left
            # uninvoiced (nothing half-made) and the others are invoiced; its entries
            # are billed by the next run
            try:
                with self.env.cr.savepoint():
                    invoices = self.with_company(company).create_support_invoices(
                        date_to, company_id=company.id
                    )
            except psycopg2.OperationalError:
                raise  # concurrency: the whole job is retried later
            except UserError as error:
                _logger.warning("Support invoicing of %s failed: %s", company.name, error)
                continue
            except Exception:
                _logger.exception("Support invoicing of %s failed", company.name)
                continue
            _logger.info(
                "Support invoicing of %s up to %s: %s draft invoices",
                company.name,
                date_to,
                len(invoices),
            )

    @api.model
    def _support_previous_month(self):
        """First and last day of the month before today (in the user's time zone)."""
        last = fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)
        return last.replace(day=1), last

    # -- arguments ---------------------------------------------------------------------
    @api.model
    def _support_invoicing_run(
        self, date_to, partner_ids, date_from, sources, group_by, company_id
    ):
        """The ``SupportInvoicingRun`` of the arguments of ``create_support_invoices()``
        (all given), checked as it documents before anything is read as superuser or
        written."""
        date_from = self._support_date_argument(date_from) if date_from else False
        date_to = self._support_date_argument(date_to)
        self._support_check_period(date_from, date_to)
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list | tuple | set | frozenset) or not sources:
            raise UserError(
                self.env._(
                    "Choose at least one thing to bill: support time, block overage, "
                    "mileage or expenses."
                )
            )
        unknown = [source for source in sources if source not in SUPPORT_INVOICE_SOURCES]
        if unknown:
            raise UserError(
                self.env._(
                    "%(unknown)s cannot be billed: choose among %(sources)s.",
                    unknown=", ".join(map(repr, unknown)),
                    sources=", ".join(SUPPORT_INVOICE_SOURCES),
                )
            )
        if group_by not in SUPPORT_INVOICE_GROUPINGS:
            raise UserError(
                self.env._(
                    "Invoice lines cannot be grouped by %(group_by)r: choose %(groupings)s.",
                    group_by=group_by,
                    groupings=" or ".join(SUPPORT_INVOICE_GROUPINGS),
                )
            )
        company = self.env.company
        if company_id:
            company = self._support_records_argument("res.company", [company_id])
        self._support_check_can_invoice(company)
        partners = self._support_records_argument("res.partner", partner_ids or [])
        foreign = partners.filtered(
            lambda partner: partner.company_id and partner.company_id != company
        )
        if foreign:
            raise UserError(
                self.env._(
                    "These customers belong to another company than %(company)s: "
                    "%(customers)s. Invoice them from their company.",
                    customers=", ".join(foreign.mapped("display_name")),
                    company=company.name,
                )
            )
        return SupportInvoicingRun(
            company=company,
            partners=partners,
            date_from=date_from,
            date_to=date_to,
            sources=frozenset(sources),
            group_by=group_by,
        )

    @api.model
    def _support_date_argument(self, value):
        try:
            date = fields.Date.to_date(value)
        except (TypeError, ValueError):
            date = None
        if not date:
            raise UserError(
                self.env._(
                    "%(value)r is not a date: give the period's days as YYYY-MM-DD.",
                    value=value,
                )
            )
        return date

    @api.model
    def _support_records_argument(self, model, ids):
        """The records of ``model`` of the list ``ids``; a malformed or unknown id is a
        user error, not a crash."""
        if not isinstance(ids, list | tuple) or not all(
            isinstance(record_id, int) and not isinstance(record_id, bool) for record_id in ids
        ):
            raise UserError(self.env._("%(ids)r is not a list of record ids (integers).", ids=ids))
        records = self.env[model].browse(ids)
        missing = set(records.ids) - set(records.exists().ids)
        if missing:
            raise UserError(
                self.env._(
                    "No %(model)s has the id %(ids)s.",
                    model=self.env["ir.model"]._get(model).name,
                    ids=", ".join(map(str, sorted(missing))),
                )
            )
        return records

    @api.model
    def _support_check_period(self, date_from, date_to):
        if date_from and date_from > date_to:
            raise ValidationError(
                self.env._(
                    "The period to invoice starts on %(date_from)s, after its end on "
                    "%(date_to)s: swap the dates.",
                    date_from=format_date(self.env, date_from),
                    date_to=format_date(self.env, date_to),
                )
            )

    @api.model
    def _support_check_can_invoice(self, company):
        """Refuse a user who may not invoice ``company``'s support: the run reads the
        technicians' entries and trips and the employees' expenses as superuser."""
        if self.env.su:
            return
        # the sources are read as superuser: the company must be one the user works in
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot invoice the support of %(company)s: you do not work in "
                    "that company.",
                    company=company.sudo().name,
                )
            )
        rights = (
            (
                "it_support_time.group_support_manager",
                AccessError,
                self.env._(
                    "Invoicing support needs the Support / Manager access right: ask an "
                    "administrator to grant it, or let a support manager run the support "
                    "invoicing."
                ),
            ),
            (
                "account.group_account_invoice",
                UserError,
                self.env._(
                    "Creating customer invoices needs the Invoicing / Billing access right: "
                    "ask an administrator to grant it, or let an accountant run the "
                    "support invoicing."
                ),
            ),
        )
        for group, error, message in rights:
            if not self.env.user.has_group(group):
                raise error(message)
        self.env["account.move"].check_access("create")

    # -- invoicing ---------------------------------------------------------------------
    @api.model
    def _create_invoices(self, run):
        """Create one draft customer invoice per customer and PO from every source of
        ``run``; link each source record to its invoice line.

        :returns: the created invoices (``account.move``), possibly empty"""
        groups_by_invoice = defaultdict(list)
        for group in self._support_invoice_collect(run):
            groups_by_invoice[(group["partner"], group["po"] or False)].append(group)
        if not groups_by_invoice:
            return self.env["account.move"]
        keys = sorted(groups_by_invoice, key=lambda key: (key[0].name or "", key[1] or ""))
        Move = (
            self.env["account.move"]
            .with_company(run.company)
            .with_context(
                default_move_type="out_invoice",
                # the invoices say where they come from (invoice_origin); no "created"
                # note or follower per invoice: it costs queries on monthly runs
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
            )
        )
        shared_vals = self._support_invoice_shared_vals(Move)
        journal = Move.env["account.journal"].browse(shared_vals["journal_id"])
        move_vals_list = [
            dict(
                self._support_invoice_vals(
                    run, partner, po, groups_by_invoice[(partner, po)], journal=journal
                ),
                **shared_vals,
            )
            for partner, po in keys
        ]
        invoices = Move.create(move_vals_list)
        for invoice, key in zip(invoices, keys, strict=True):
            lines_by_sequence = {line.sequence: line for line in invoice.invoice_line_ids}
            for sequence, group in self._support_sequenced(groups_by_invoice[key]):
                lines_by_sequence[sequence]._support_link_sources(group["sources"])
        return invoices

    @api.model
    def _support_invoice_shared_vals(self, Move):
        """Values that every invoice of the run shares, read once for the run: Odoo's
        defaults and computes would read them again for each invoice, with the same
        result (the run's invoices share their company, journal, user and date).

        - the sales journal;
        - the sales team (``sale``: the invoicing user's team);
        - the name: a draft invoice is named "/" unless it is the first of its journal
          in the numbering period (then Odoo gives it the period's first number)."""
        probe = Move.new({"move_type": "out_invoice", "company_id": Move.env.company.id})
        journal = probe._search_default_journal()
        probe.journal_id = journal
        vals = {"journal_id": journal.id}
        if "team_id" in Move._fields:
            vals["team_id"] = Move.default_get(["team_id"]).get("team_id", False)
        if probe._get_last_sequence():
            vals["name"] = "/"
        return vals

    @api.model
    def _support_invoice_collect(self, run):
        """Line groups of every source the run bills, in invoice line order."""
        Sources = self.env["support.invoicing.source"]
        groups = []
        if "time" in run.sources:
            groups += Sources._support_invoice_collect_time(run)
        if "overage" in run.sources:
            groups += Sources._support_invoice_collect_overage(run)
        if "mileage" in run.sources:
            groups += Sources._support_invoice_collect_mileage(run)
        if "expenses" in run.sources:
            groups += Sources._support_invoice_collect_expenses(run)
        self._support_check_billed_once(groups)
        self._support_join_po_invoices(groups)
        return groups

    @api.model
    def _support_join_po_invoices(self, groups):
        """A group may name the PO whose invoice it joins (``join_po``, e.g. a trip of a
        prepaid block): it goes on that invoice when the run makes one (another group of
        the customer bills that PO, such as the block's overage), else on the customer's
        general invoice."""
        invoiced_pos = {(group["partner"], group["po"]) for group in groups if group["po"]}
        for group in groups:
            join_po = group.get("join_po")
            if join_po and not group["po"] and (group["partner"], join_po) in invoiced_pos:
                group["po"] = join_po

    @api.model
    def _support_check_billed_once(self, groups):
        """Two collectors must never bill the same record (e.g. plain time and block
        overage): refuse the run rather than link a record to two lines."""
        seen = set()
        for group in groups:
            keys = {(source._name, source.id) for source in group["sources"]}
            if seen & keys:
                model, record_id = next(iter(seen & keys))
                raise UserError(
                    self.env._(
                        "%(record)s would be billed by two invoice lines in the same run; "
                        "nothing was invoiced. Please report this to your administrator.",
                        record=self.env[model].sudo().browse(record_id).display_name,
                    )
                )
            seen |= keys

    @api.model
    def _support_sequenced(self, groups):
        return [(10 * (index + 1), group) for index, group in enumerate(groups)]

    @api.model
    def _support_invoice_vals(self, run, partner, po, groups, journal):
        """Values of the draft invoice of ``partner`` (commercial entity) for ``po``, in
        the sales ``journal`` of the run.

        Each line gets its income account here, as Odoo would give it, once per line
        instead of through a query per line: the product's income account, mapped by
        the invoice's fiscal position; a line without product books to the sales
        journal's income account, mapped as well (Odoo would look up the account the
        customer's earlier invoices used most: one query per line)."""
        invoice_partner, delivery_partner, fiscal_position = self._support_fiscal_position(
            run, partner
        )
        line_vals_list = []
        for sequence, group in self._support_sequenced(groups):
            vals = dict(group["vals"], sequence=sequence, support_source=group["source"])
            if "account_id" not in vals:
                account = self._support_income_account(
                    run, vals.get("product_id"), fiscal_position, journal
                )
                if account:  # else Odoo finds one
                    vals["account_id"] = account.id
            line_vals_list.append(Command.create(vals))
        return {
            "move_type": "out_invoice",
            "company_id": run.company.id,
            "partner_id": invoice_partner.id,
            "partner_shipping_id": delivery_partner.id,
            "fiscal_position_id": fiscal_position.id,
            "ref": po or False,
            "invoice_origin": self._support_period_label(run),
            "invoice_line_ids": line_vals_list,
        }

    @api.model
    def _support_income_account(self, run, product_id, fiscal_position, journal):
        """Income account of an invoice line of ``product_id`` (or of none)."""
        account = self.env["account.account"]
        if product_id:
            product = self.env["product.product"].browse(product_id)
            account = product.product_tmpl_id.with_company(run.company).get_product_accounts(
                fiscal_pos=fiscal_position
            )["income"]
            if account:
                return account
        return fiscal_position.map_account(journal.default_account_id)

    @api.model
    def _support_fiscal_position(self, run, partner):
        """The invoice address, delivery address and fiscal position of an invoice of
        ``partner`` (commercial entity), as Odoo computes them on the invoice."""
        invoice_partner = partner.browse(partner.address_get(["invoice"])["invoice"])
        delivery_partner = partner.browse(invoice_partner.address_get(["delivery"])["delivery"])
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(run.company)
            ._get_fiscal_position(invoice_partner, delivery=delivery_partner)
        )
        return invoice_partner, delivery_partner, fiscal_position

    @api.model
    def _support_period_label(self, run):
        if run.date_from:
            return self.env._(
                "Support %(date_from)s – %(date_to)s",
                date_from=format_date(self.env, run.date_from),
                date_to=format_date(self.env, run.date_to),
            )
        return self.env._("Support up to %(date_to)s", date_to=format_date(self.env, run.date_to))
