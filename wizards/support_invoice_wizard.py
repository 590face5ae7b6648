import logging
from collections import defaultdict

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_round, format_date

from ..models.hr_expense import SUPPORT_INVOICEABLE_EXPENSE_STATES

_logger = logging.getLogger(__name__)


def _previous_month(today):
    last = today.replace(day=1) - relativedelta(days=1)
    return last.replace(day=1), last


class SupportInvoiceWizard(models.TransientModel):
    """Turns billable support time and re-invoiceable expenses into draft customer
    invoices: one per customer (and per PO for block overage), each source record linked
    to the invoice line that bills it, so that it is billed once.

    Every kind of source has a collector, ``_support_invoice_collect_<kind>()``, that
    returns *line groups*: dicts with

    - ``partner``: the customer (commercial entity) to invoice,
    - ``po``: the customer's PO (invoice reference), or False,
    - ``source``: the kind of line (a ``account.move.line.support_source`` value),
    - ``sources``: the records billed by the line (superuser recordset, locked),
    - ``vals``: the values of the invoice line (name, quantity, price_unit, product …).

    Groups of the same customer and PO become one invoice."""

    _name = "support.invoice.wizard"
    _description = "Invoice Support Time and Expenses"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        check_company=True,
        help="Customers to invoice; leave empty to invoice every customer with something to bill.",
    )
    date_from = fields.Date(
        string="From",
        default=lambda self: _previous_month(fields.Date.context_today(self))[0],
        help="Bill entries from this date; leave empty to include every earlier entry "
        "not billed yet.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: _previous_month(fields.Date.context_today(self))[1],
    )
    include_time = fields.Boolean(
        string="Support Time",
        default=True,
        help="Billable time not drawn from a prepaid block, at the support type's rate "
        "or the customer's pricelist.",
    )
    include_overage = fields.Boolean(
        string="Block Overage",
        default=True,
        help="Hours beyond a prepaid block, at the block's overage rate (one invoice per PO).",
    )
    include_mileage = fields.Boolean(
        string="Mileage",
        default=True,
        help="Billable trips, at their amount.",
    )
    include_expenses = fields.Boolean(
        string="Expenses",
        default=True,
        help="Approved expenses recorded for a customer, at cost or at sales price as "
        "their product's re-invoicing policy says.",
    )
    group_by = fields.Selection(
        [("support_type", "Support type"), ("task", "Task")],
        string="One Line per",
        required=True,
        default="support_type",
        help="Support type: one invoice line per type of support. Task: one line per "
        "task and type of support.",
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from and wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._(
                        "The period to invoice starts on %(date_from)s, after its end on "
                        "%(date_to)s: swap the dates.",
                        date_from=format_date(self.env, wizard.date_from),
                        date_to=format_date(self.env, wizard.date_to),
                    )
                )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_ids" in fields_list
            and context.get("active_model") == "res.partner"
            and context.get("active_ids")
        ):
            partners = self.env["res.partner"].browse(context["active_ids"])
            values["partner_ids"] = [Command.set(partners.commercial_partner_id.ids)]
        return values

    # -- actions -------------------------------------------------------------------
    def action_create_invoices(self):
        """Create the draft invoices and open them."""
        self.ensure_one()
        if not (
            self.include_time
            or self.include_overage
            or self.include_mileage
            or self.include_expenses
        ):
            raise UserError(
                self.env._(
                    "Choose at least one thing to bill: support time, block overage, "
                    "mileage or expenses."
                )
            )
        invoices = self._create_invoices()
        if not invoices:
            raise UserError(self._support_nothing_to_invoice_message())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(invoices) == 1:
            action.update(
                {
                    "views": [(self.env.ref("account.view_move_form").id, "form")],
                    "res_id": invoices.id,
                }
            )
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action

    @api.model
    def _cron_invoice_previous_month(self):
        """Monthly job: invoice, in every company, all that is billable up to the end of
        the previous month and not billed yet."""
        date_to = _previous_month(fields.Date.context_today(self))[1]
        for company in self.env["res.company"].search([]):
            wizard = self.with_company(company).create(
                {"company_id": company.id, "date_from": False, "date_to": date_to}
            )
            # each company in its own savepoint: a company that fails is left
            # uninvoiced (nothing half-made) and the others are invoiced; its entries
            # are billed by the next run
            try:
                with self.env.cr.savepoint():
                    invoices = wizard._create_invoices()
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

    # -- invoicing -----------------------------------------------------------------
    def _create_invoices(self):
        """Create one draft customer invoice per customer and PO from every source the
        wizard includes; link each source record to its invoice line.

        :returns: the created invoices (``account.move``), possibly empty"""
        self.ensure_one()
        self._support_check_can_invoice()
        groups_by_invoice = defaultdict(list)
        for group in self._support_invoice_collect():
            groups_by_invoice[(group["partner"], group["po"] or False)].append(group)
        if not groups_by_invoice:
            return self.env["account.move"]
        keys = sorted(groups_by_invoice, key=lambda key: (key[0].name or "", key[1] or ""))
        Move = (
            self.env["account.move"]
            .with_company(self.company_id)
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
                    partner, po, groups_by_invoice[(partner, po)], journal=journal
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

    def _support_check_can_invoice(self):
        if self.env.su:
            return
        # the sources are read as superuser: the company must be one the user works in
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot invoice the support of %(company)s: you do not work in "
                    "that company.",
                    company=self.company_id.sudo().name,
                )
            )
        if not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(
                self.env._(
                    "Creating customer invoices needs the Invoicing / Billing access right: "
                    "ask an administrator to grant it, or let an accountant run the "
                    "support invoicing."
                )
            )
        self.env["account.move"].check_access("create")

    def _support_invoice_collect(self):
        """Line groups of every source the wizard includes, in invoice line order."""
        groups = []
        if self.include_time:
            groups += self._support_invoice_collect_time()
        if self.include_overage:
            groups += self._support_invoice_collect_overage()
        if self.include_mileage:
            groups += self._support_invoice_collect_mileage()
        if self.include_expenses:
            groups += self._support_invoice_collect_expenses()
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

    def _support_invoice_vals(self, partner, po, groups, journal):
        """Values of the draft invoice of ``partner`` (commercial entity) for ``po``, in
        the sales ``journal`` of the run.

        Each line gets its income account here, as Odoo would give it, once per line
        instead of through a query per line: the product's income account, mapped by
        the invoice's fiscal position; a line without product books to the sales
        journal's income account, mapped as well (Odoo would look up the account the
        customer's earlier invoices used most: one query per line)."""
        invoice_partner, delivery_partner, fiscal_position = self._support_fiscal_position(partner)
        line_vals_list = []
        for sequence, group in self._support_sequenced(groups):
            vals = dict(group["vals"], sequence=sequence, support_source=group["source"])
            if "account_id" not in vals:
                account = self._support_income_account(
                    vals.get("product_id"), fiscal_position, journal
                )
                if account:  # else Odoo finds one
                    vals["account_id"] = account.id
            line_vals_list.append(Command.create(vals))
        return {
            "move_type": "out_invoice",
            "company_id": self.company_id.id,
            "partner_id": invoice_partner.id,
            "partner_shipping_id": delivery_partner.id,
            "fiscal_position_id": fiscal_position.id,
            "ref": po or False,
            "invoice_origin": self._support_period_label(),
            "invoice_line_ids": line_vals_list,
        }

    def _support_income_account(self, product_id, fiscal_position, journal):
        """Income account of an invoice line of ``product_id`` (or of none)."""
        account = self.env["account.account"]
        if product_id:
            product = self.env["product.product"].browse(product_id)
            account = product.product_tmpl_id.with_company(self.company_id).get_product_accounts(
                fiscal_pos=fiscal_position
            )["income"]
            if account:
                return account
        return fiscal_position.map_account(journal.default_account_id)

    def _support_period_label(self):
        if self.date_from:
            return self.env._(
                "Support %(date_from)s – %(date_to)s",
                date_from=format_date(self.env, self.date_from),
                date_to=format_date(self.env, self.date_to),
            )
        return self.env._("Support up to %(date_to)s", date_to=format_date(self.env, self.date_to))

    def _support_nothing_to_invoice_message(self):
        customers = (
            ", ".join(self.partner_ids.mapped("display_name"))
            if self.partner_ids
            else self.env._("any customer")
        )
        return self.env._(
            "Nothing to invoice for %(customers)s up to %(date_to)s: there is no billable "
            "support time, block overage, confirmed trip or re-invoiceable expense that is "
            "not invoiced yet (time drawn from a prepaid block is paid by the block, time "
            "billed through a sale order is left to the sale order, running timers wait "
            "until they stop).",
            customers=customers,
            date_to=format_date(self.env, self.date_to),
        )

    def _support_lock_unbilled(self, records):
        """The part of ``records`` (a source model with ``support_invoice_line_id``)
        that is still not billed, locked until the end of the transaction.

        Rows locked by a concurrent invoicing run are skipped (SKIP LOCKED); rows that
        run billed and committed since this transaction started make PostgreSQL raise a
        serialization failure, and the request is retried by Odoo: a source row is
        never linked to two invoice lines."""
        if not records:
            return records
        records.flush_recordset(["support_invoice_line_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id IN %s AND support_invoice_line_id IS NULL "
                "FOR UPDATE SKIP LOCKED",
                SQL.identifier(records._table),
                tuple(records.ids),
            )
        )
        free_ids = {row[0] for row in rows}
        return records.filtered(lambda record: record.id in free_ids)

    def _support_partner_domain(self, field_name):
        if not self.partner_ids:
            return []
        return [(field_name, "child_of", self.partner_ids.commercial_partner_id.ids)]

    def _support_date_domain(self, field_name):
        domain = [(field_name, "<=", self.date_to)]
        if self.date_from:
            domain.append((field_name, ">=", self.date_from))
        return domain

    # -- time ------------------------------------------------------------------------
    def _support_invoice_entry_domain(self):
        """Billable support time of the wizard's customers and period that nothing has
        billed yet: neither this wizard nor a sale order (``sale_timesheet``); running
        timers are left until they stop."""
        return [
            ("company_id", "=", self.company_id.id),
            ("support_timer_start", "=", False),
            ("project_id.is_support_project", "=", True),
            ("billable", "=", True),
            ("billed_hours", ">", 0),
            ("support_type_id", "!=", False),
            ("partner_id", "!=", False),
            ("support_invoice_line_id", "=", False),
            ("so_line", "=", False),
            ("timesheet_invoice_id", "=", False),
            *self._support_date_domain("date"),
            *self._support_partner_domain("partner_id"),
        ]

    def _support_invoice_time_domain(self):
        """Time billed at the support type's rate: billable time not drawn from a prepaid
        block. Time drawn from a block is paid by the block; time beyond it
        (``support_is_overage``) is billed by the overage collector."""
        return [*self._support_invoice_entry_domain(), ("support_block_id", "=", False)]

    def _support_invoice_collect_time(self):
        """One line group per customer and support type (and task when grouping by
        task), billing the sum of the entries' ``billed_hours``.

        The entries are summed by the database (one grouped read), not one by one."""
        # the invoicing user may not read every technician's timesheets
        entries = (
            self.env["account.analytic.line"].sudo().search(self._support_invoice_time_domain())
        )
        entries = self._support_lock_unbilled(entries)
        if not entries:
            return []
        by_task = self.group_by == "task"
        rows = entries._read_group(
            [("id", "in", entries.ids)],
            groupby=[
                "partner_id",
                *(["task_id"] if by_task else []),
                "support_type_id",
                "account_id",
            ],
            aggregates=["id:array_agg", "billed_hours:sum", "date:min", "date:max"],
        )
        buckets = {}
        no_task = self.env["project.task"].sudo()
        for row in rows:
            if by_task:
                partner, task, support_type, account, ids, hours, first, last = row
            else:
                partner, support_type, account, ids, hours, first, last = row
                task = no_task
            key = (partner.commercial_partner_id, task, support_type)
            bucket = buckets.setdefault(
                key, {"ids": [], "hours": 0.0, "first": first, "last": last, "accounts": {}}
            )
            bucket["ids"] += ids
            bucket["hours"] += hours
            bucket["first"] = min(bucket["first"], first)
            bucket["last"] = max(bucket["last"], last)
            if account:
                bucket["accounts"][account.id] = bucket["accounts"].get(account.id, 0.0) + hours
        keys = sorted(
            buckets,
            key=lambda key: (
                key[0].id,
                key[1].name or "",
                key[1].id,
                key[2].sequence,
                key[2].name,
            ),
        )
        groups = []
        default_taxes = {}
        for partner, task, support_type in keys:
            bucket = buckets[partner, task, support_type]
            if partner not in default_taxes:
                default_taxes[partner] = self._support_default_sale_taxes(partner.sudo(False))
            groups.append(
                {
                    "partner": partner.sudo(False),
                    "po": False,
                    "source": "time",
                    # read together when linked (one prefetch for all the entries)
                    "sources": entries.browse(sorted(bucket["ids"])).with_prefetch(
                        entries._prefetch_ids
                    ),
                    "vals": self._support_invoice_time_line_vals(
                        partner.sudo(False),
                        support_type.sudo(False),
                        task,
                        bucket,
                        default_taxes[partner],
                    ),
                }
            )
        return groups

    def _support_invoice_time_line_vals(self, partner, support_type, task, summary, taxes):
        """Invoice line billing the entries of ``summary`` (a dict: ``ids``, ``hours``,
        ``first`` and ``last`` date, billed hours by analytic account ``accounts``);
        ``taxes`` apply when the type has no product (a product brings its own)."""
        hours = float_round(summary["hours"], precision_digits=6)
        product = support_type.product_id
        first = format_date(self.env, summary["first"])
        last = format_date(self.env, summary["last"])
        if len(summary["ids"]) == 1:
            name = self.env._("%(type)s, 1 session (%(date)s)", type=support_type.name, date=first)
        else:
            name = self.env._(
                "%(type)s, %(count)s sessions (%(first)s – %(last)s)",
                type=support_type.name,
                count=len(summary["ids"]),
                first=first,
                last=last,
            )
        if task:
            name = f"{task.name} · {name}"
        vals = {
            "name": name,
            "quantity": hours,
            "price_unit": self._support_hourly_price(partner, support_type, hours),
        }
        if product:
            vals.update(product_id=product.id, product_uom_id=product.uom_id.id)
        else:
            vals.update(
                product_uom_id=self._support_hour_uom_id(), tax_ids=[Command.set(taxes.ids)]
            )
        distribution = self._support_distribution_from_hours(summary["accounts"])
        if distribution:
            vals["analytic_distribution"] = distribution
        return vals

    @api.model
    def _support_hour_uom_id(self):
        # env.ref() checks that the record exists: a query for each line otherwise
        return self.env["ir.model.data"]._xmlid_to_res_id("uom.product_uom_hour")

    def _support_default_sale_taxes(self, partner):
        """Taxes of a line without product: the company's default sales tax, mapped by
        the customer's fiscal position, as a product created in the company gets."""
        taxes = self.company_id.account_sale_tax_id
        if not taxes:
            return taxes
        return self._support_fiscal_position(partner)[2].map_tax(taxes)

    def _support_fiscal_position(self, partner):
        """The invoice address, delivery address and fiscal position of an invoice of
        ``partner`` (commercial entity), as Odoo computes them on the invoice."""
        invoice_partner = partner.browse(partner.address_get(["invoice"])["invoice"])
        delivery_partner = partner.browse(invoice_partner.address_get(["delivery"])["delivery"])
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(invoice_partner, delivery=delivery_partner)
        )
        return invoice_partner, delivery_partner, fiscal_position

    def _support_hourly_price(self, partner, support_type, hours):
        """The customer's pricelist price of the type's product when the pricelist has a
        rule for it, else the type's hourly rate."""
        product = support_type.product_id
        pricelist = partner.with_company(self.company_id).property_product_pricelist
        if product and pricelist:
            price, rule_id = pricelist._get_product_price_rule(
                product,
                hours or 1.0,
                currency=self.company_id.currency_id,
                date=self.date_to,
            )
            if rule_id:
                return price
        return support_type.hourly_rate

    @api.model
    def _support_analytic_distribution(self, entries):
        """Revenue goes to the analytic accounts of the projects the time was logged on,
        in proportion of the billed hours."""
        hours_by_account = defaultdict(float)
        for entry in entries:
            if entry.account_id:
                hours_by_account[entry.account_id.id] += entry.billed_hours
        return self._support_distribution_from_hours(hours_by_account)

    @api.model
    def _support_distribution_from_hours(self, hours_by_account):
        """Analytic distribution of ``{account id: hours}``, in percent of the hours."""
        total = sum(hours_by_account.values())
        if not total:
            return False
        return {
            str(account_id): float_round(100.0 * hours / total, precision_digits=2)
            for account_id, hours in hours_by_account.items()
        }

    # -- prepaid block overage -----------------------------------------------------------
    def _support_invoice_overage_domain(self):
        """Overage entries: time beyond a prepaid block under its overage-rate policy."""
        return [
            *self._support_invoice_entry_domain(),
            ("support_block_id", "!=", False),
            ("support_is_overage", "=", True),
        ]

    def _support_invoice_collect_overage(self):
        """One line group per prepaid block with overage to bill, at the block's overage
        rate per block hour (``support_block_hours``: billed hours × the support type's
        block factor), on the customer's invoice for the block's PO."""
        entries = (
            self.env["account.analytic.line"]
            .sudo()
            .search(self._support_invoice_overage_domain(), order="date, id")
        )
        entries = self._support_lock_unbilled(entries)
        by_block = defaultdict(list)
        for entry in entries:
            by_block[entry.support_block_id].append(entry.id)
        groups = []
        default_taxes = {}
        for block in sorted(by_block, key=lambda b: (b.partner_id.id, b.date_start, b.id)):
            block_entries = entries.browse(by_block[block])
            partner = block.partner_id.commercial_partner_id.sudo(False)
            if partner not in default_taxes:
                default_taxes[partner] = self._support_default_sale_taxes(partner)
            groups.append(
                {
                    "partner": partner,
                    "po": block.po_number or False,
                    "source": "overage",
                    "sources": block_entries,
                    "vals": self._support_invoice_overage_line_vals(
                        block, block_entries, default_taxes[partner]
                    ),
                }
            )
        return groups

    def _support_invoice_overage_line_vals(self, block, entries, taxes):
        """Invoice line billing the overage ``entries`` of ``block`` (sudo)."""
        hours = float_round(sum(entries.mapped("support_block_hours")), precision_digits=6)
        dates = entries.mapped("date")
        first, last = format_date(self.env, min(dates)), format_date(self.env, max(dates))
        period = first if first == last else f"{first} – {last}"
        if block.po_number:
            name = self.env._(
                "Overage %(block)s (PO %(po)s), %(count)s sessions (%(period)s)",
                block=block.name,
                po=block.po_number,
                count=len(entries),
                period=period,
            )
        else:
            name = self.env._(
                "Overage %(block)s, %(count)s sessions (%(period)s)",
                block=block.name,
                count=len(entries),
                period=period,
            )
        rate = block.currency_id._convert(
            block.overage_rate, self.company_id.currency_id, self.company_id, self.date_to
        )
        vals = {
            "name": name,
            "quantity": hours,
            "price_unit": rate,
            "product_uom_id": self._support_hour_uom_id(),
            "tax_ids": [Command.set(taxes.ids)],
        }
        distribution = self._support_analytic_distribution(entries)
        if distribution:
            vals["analytic_distribution"] = distribution
        return vals

    # -- mileage -----------------------------------------------------------------------------
    def _support_invoice_mileage_domain(self):
        """Confirmed billable trips of the wizard's customers and period, not invoiced."""
        return [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "confirmed"),
            ("billable", "=", True),
            ("partner_id", "!=", False),
            ("support_invoice_line_id", "=", False),
            *self._support_date_domain("date"),
            *self._support_partner_domain("partner_id"),
        ]

    def _support_invoice_collect_mileage(self):
        """One line group per trip, at its amount (its distance × its rate). A trip of a
        prepaid block joins the customer's invoice for that block's PO when the run
        bills one (the block's overage), else the customer's general invoice."""
        # the invoicing user may not read every technician's trips
        trips = (
            self.env["support.trip"]
            .sudo()
            .search(self._support_invoice_mileage_domain(), order="date, id")
        )
        trips = self._support_lock_unbilled(trips)
        groups = []
        default_taxes = {}
        for trip in trips.sorted(lambda t: (t.partner_id.id, t.date, t.id)):
            partner = trip.partner_id.commercial_partner_id.sudo(False)
            if partner not in default_taxes:
                default_taxes[partner] = self._support_default_sale_taxes(partner)
            groups.append(
                {
                    "partner": partner,
                    "po": False,
                    "join_po": trip.block_id.po_number or False,
                    "source": "mileage",
                    "sources": trip,
                    "vals": self._support_invoice_mileage_line_vals(trip, default_taxes[partner]),
                }
            )
        return groups

    def _support_invoice_mileage_line_vals(self, trip, taxes):
        """Invoice line billing ``trip`` (sudo): its distance at its rate, in km or mi.
        A rate finer than the invoice's price precision would be rounded on the line:
        such a trip is billed as one unit at its amount, so that the invoice always bills
        the trip's amount."""
        amount = trip.currency_id._convert(
            trip.amount, self.company_id.currency_id, self.company_id, trip.date
        )
        rate = trip.currency_id._convert(
            trip.rate, self.company_id.currency_id, self.company_id, trip.date, round=False
        )
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        vals = {"tax_ids": [Command.set(taxes.ids)]}
        if float_compare(
            float_round(rate, precision_digits=price_digits), rate, precision_digits=6
        ) or self.company_id.currency_id.compare_amounts(trip.distance * rate, amount):
            vals.update(name=trip._support_invoice_line_name(), quantity=1.0, price_unit=amount)
        else:
            uom = "uom.product_uom_mile" if trip.distance_unit == "miles" else "uom.product_uom_km"
            vals.update(
                name=trip._support_invoice_line_name(with_distance=False),
                quantity=trip.distance,
                price_unit=rate,
                product_uom_id=self.env["ir.model.data"]._xmlid_to_res_id(uom),
            )
        account = trip.task_id.project_id.account_id
        if account:
            vals["analytic_distribution"] = {str(account.id): 100.0}
        return vals

    # -- expenses ---------------------------------------------------------------------------
    def _support_invoice_expense_domain(self):
        """Approved expenses recorded for a customer, billable, whose product is
        re-invoiced, not invoiced yet (nor re-invoiced through a sale order)."""
        domain = [
            ("company_id", "=", self.company_id.id),
            ("support_partner_id", "!=", False),
            ("support_billable", "=", True),
            ("support_invoice_line_id", "=", False),
            ("state", "in", SUPPORT_INVOICEABLE_EXPENSE_STATES),
            ("product_id.expense_policy", "in", ("cost", "sales_price")),
            *self._support_date_domain("date"),
            *self._support_partner_domain("support_partner_id"),
        ]
        if "sale_order_id" in self.env["hr.expense"]._fields:  # sale_expense
            domain.append(("sale_order_id", "=", False))
        return domain

    def _support_invoice_collect_expenses(self):
        """One line group per expense, at cost or at sales price."""
        # the invoicing user may not read every employee's expenses
        expenses = (
            self.env["hr.expense"]
            .sudo()
            .search(self._support_invoice_expense_domain(), order="date, id")
        )
        expenses = self._support_lock_unbilled(expenses)
        groups = []
        for expense in expenses:
            partner = expense.support_partner_id.commercial_partner_id.sudo(False)
            pricelist = partner.with_company(self.company_id).property_product_pricelist
            name = self.env._(
                "%(expense)s (%(date)s, %(employee)s)",
                expense=expense.name,
                date=format_date(self.env, expense.date),
                employee=expense.employee_id.name,
            )
            groups.append(
                {
                    "partner": partner,
                    "po": False,
                    "source": "expense",
                    "sources": expense,
                    "vals": {
                        "name": name,
                        "product_id": expense.product_id.id,
                        "product_uom_id": expense.product_uom_id.id,
                        "quantity": expense.quantity or 1.0,
                        "price_unit": expense._support_invoice_price_unit(pricelist),
                    },
                }
            )
        return groups
