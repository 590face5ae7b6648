from collections import defaultdict

from odoo import Command, api, models
from odoo.tools import SQL, float_compare, float_round, format_date

from .hr_expense import SUPPORT_INVOICEABLE_EXPENSE_STATES


class SupportInvoicingSource(models.AbstractModel):
    """What each kind of source bills, for the support invoicing engine
    (``support.invoicing``): which records, on which invoice, at what price.

    Every kind of source has a collector, ``_support_invoice_collect_<kind>(run)``, that
    returns *line groups* for the run's customers and period (``run``: a
    ``SupportInvoicingRun``, the checked arguments of the run): dicts with

    - ``partner``: the customer (commercial entity) to invoice,
    - ``po``: the customer's PO (invoice reference), or False,
    - ``join_po`` (optional): the PO whose invoice the group joins when the run makes one,
    - ``source``: the kind of line (a ``account.move.line.support_source`` value),
    - ``sources``: the records billed by the line (superuser recordset, locked),
    - ``vals``: the values of the invoice line (name, quantity, price_unit, product …).

    Groups of the same customer and PO become one invoice."""

    _name = "support.invoicing.source"
    _description = "Support Invoicing Sources"

    # -- billed once, customers and period ---------------------------------------------
    @api.model
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

    @api.model
    def _support_search_unbilled(self, model, domain, order="date, id"):
        """The records of ``model`` matching ``domain`` that are still not billed, locked
        (``_support_lock_unbilled``). Read as superuser: the invoicing user may not read
        every technician's entries and trips nor every employee's expenses."""
        return self._support_lock_unbilled(self.env[model].sudo().search(domain, order=order))

    @api.model
    def _support_partner_domain(self, run, field_name):
        if not run.partners:
            return []
        return [(field_name, "child_of", run.partners.commercial_partner_id.ids)]

    @api.model
    def _support_date_domain(self, run, field_name):
        domain = [(field_name, "<=", run.date_to)]
        if run.date_from:
            domain.append((field_name, ">=", run.date_from))
        return domain

    # -- time ------------------------------------------------------------------------
    @api.model
    def _support_invoice_entry_domain(self, run):
        """Billable support time of the run's customers and period that nothing has
        billed yet: neither a support invoice nor a sale order (``sale_timesheet``);
        running timers are left until they stop."""
        return [
            ("company_id", "=", run.company.id),
            ("support_timer_start", "=", False),
            ("project_id.is_support_project", "=", True),
            ("billable", "=", True),
            ("billed_hours", ">", 0),
            ("support_type_id", "!=", False),
            ("partner_id", "!=", False),
            ("support_invoice_line_id", "=", False),
            ("so_line", "=", False),
            ("timesheet_invoice_id", "=", False),
            *self._support_date_domain(run, "date"),
            *self._support_partner_domain(run, "partner_id"),
        ]

    @api.model
    def _support_invoice_time_domain(self, run):
        """Time billed at the support type's rate: billable time not drawn from a prepaid
        block. Time drawn from a block is paid by the block; time beyond it
        (``support_is_overage``) is billed by the overage collector."""
        return [*self._support_invoice_entry_domain(run), ("support_block_id", "=", False)]

    @api.model
    def _support_invoice_collect_time(self, run):
        """One line group per customer and support type (and task when grouping by
        task), billing the sum of the entries' ``billed_hours``.

        The entries are summed by the database (one grouped read), not one by one."""
        entries = self._support_search_unbilled(
            "account.analytic.line", self._support_invoice_time_domain(run), order=None
        )
        if not entries:
            return []
        by_task = run.group_by == "task"
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
                default_taxes[partner] = self._support_default_sale_taxes(run, partner.sudo(False))
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
                        run,
                        partner.sudo(False),
                        support_type.sudo(False),
                        task,
                        bucket,
                        default_taxes[partner],
                    ),
                }
            )
        return groups

    @api.model
    def _support_invoice_time_line_vals(self, run, partner, support_type, task, summary, taxes):
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
            "price_unit": self._support_hourly_price(run, partner, support_type, hours),
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

    @api.model
    def _support_default_sale_taxes(self, run, partner):
        """Taxes of a line without product: the company's default sales tax, mapped by
        the customer's fiscal position, as a product created in the company gets."""
        taxes = run.company.account_sale_tax_id
        if not taxes:
            return taxes
        fiscal_position = self.env["support.invoicing"]._support_fiscal_position(run, partner)[2]
        return fiscal_position.map_tax(taxes)

    @api.model
    def _support_hourly_price(self, run, partner, support_type, hours):
        """The customer's pricelist price of the type's product when the pricelist has a
        rule for it, else the type's hourly rate."""
        product = support_type.product_id
        pricelist = partner.with_company(run.company).property_product_pricelist
        if product and pricelist:
            price, rule_id = pricelist._get_product_price_rule(
                product,
                hours or 1.0,
                currency=run.company.currency_id,
                date=run.date_to,
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
    @api.model
    def _support_invoice_overage_domain(self, run):
        """Overage entries: time beyond a prepaid block under its overage-rate policy."""
        return [
            *self._support_invoice_entry_domain(run),
            ("support_block_id", "!=", False),
            ("support_is_overage", "=", True),
        ]

    @api.model
    def _support_invoice_collect_overage(self, run):
        """One line group per prepaid block with overage to bill, at the block's overage
        rate per block hour (``support_block_hours``: billed hours × the support type's
        block factor), on the customer's invoice for the block's PO."""
        entries = self._support_search_unbilled(
            "account.analytic.line", self._support_invoice_overage_domain(run)
        )
        by_block = defaultdict(list)
        for entry in entries:
            by_block[entry.support_block_id].append(entry.id)
        groups = []
        default_taxes = {}
        for block in sorted(by_block, key=lambda b: (b.partner_id.id, b.date_start, b.id)):
            block_entries = entries.browse(by_block[block])
            partner = block.partner_id.commercial_partner_id.sudo(False)
            if partner not in default_taxes:
                default_taxes[partner] = self._support_default_sale_taxes(run, partner)
            groups.append(
                {
                    "partner": partner,
                    "po": block.po_number or False,
                    "source": "overage",
                    "sources": block_entries,
                    "vals": self._support_invoice_overage_line_vals(
                        run, block, block_entries, default_taxes[partner]
                    ),
                }
            )
        return groups

    @api.model
    def _support_invoice_overage_line_vals(self, run, block, entries, taxes):
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
            block.overage_rate, run.company.currency_id, run.company, run.date_to
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
    @api.model
    def _support_invoice_mileage_domain(self, run):
        """Confirmed billable trips of the run's customers and period, not invoiced."""
        return [
            ("company_id", "=", run.company.id),
            ("state", "=", "confirmed"),
            ("billable", "=", True),
            ("partner_id", "!=", False),
            ("support_invoice_line_id", "=", False),
            *self._support_date_domain(run, "date"),
            *self._support_partner_domain(run, "partner_id"),
        ]

    @api.model
    def _support_invoice_collect_mileage(self, run):
        """One line group per trip, at its amount (its distance × its rate). A trip of a
        prepaid block joins the customer's invoice for that block's PO when the run
        bills one (the block's overage), else the customer's general invoice."""
        trips = self._support_search_unbilled(
            "support.trip", self._support_invoice_mileage_domain(run)
        )
        groups = []
        default_taxes = {}
        for trip in trips.sorted(lambda t: (t.partner_id.id, t.date, t.id)):
            partner = trip.partner_id.commercial_partner_id.sudo(False)
            if partner not in default_taxes:
                default_taxes[partner] = self._support_default_sale_taxes(run, partner)
            groups.append(
                {
                    "partner": partner,
                    "po": False,
                    "join_po": trip.block_id.po_number or False,
                    "source": "mileage",
                    "sources": trip,
                    "vals": self._support_invoice_mileage_line_vals(
                        run, trip, default_taxes[partner]
                    ),
                }
            )
        return groups

    @api.model
    def _support_invoice_mileage_line_vals(self, run, trip, taxes):
        """Invoice line billing ``trip`` (sudo): its distance at its rate, in km or mi.
        A rate finer than the invoice's price precision would be rounded on the line:
        such a trip is billed as one unit at its amount, so that the invoice always bills
        the trip's amount."""
        amount = trip.currency_id._convert(
            trip.amount, run.company.currency_id, run.company, trip.date
        )
        rate = trip.currency_id._convert(
            trip.rate, run.company.currency_id, run.company, trip.date, round=False
        )
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        vals = {"tax_ids": [Command.set(taxes.ids)]}
        if float_compare(
            float_round(rate, precision_digits=price_digits), rate, precision_digits=6
        ) or run.company.currency_id.compare_amounts(trip.distance * rate, amount):
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
    @api.model
    def _support_invoice_expense_domain(self, run):
        """Approved expenses recorded for a customer, billable, whose product is
        re-invoiced, not invoiced yet (nor re-invoiced through a sale order)."""
        domain = [
            ("company_id", "=", run.company.id),
            ("support_partner_id", "!=", False),
            ("support_billable", "=", True),
            ("support_invoice_line_id", "=", False),
            ("state", "in", SUPPORT_INVOICEABLE_EXPENSE_STATES),
            ("product_id.expense_policy", "in", ("cost", "sales_price")),
            *self._support_date_domain(run, "date"),
            *self._support_partner_domain(run, "support_partner_id"),
        ]
        if "sale_order_id" in self.env["hr.expense"]._fields:  # sale_expense
            domain.append(("sale_order_id", "=", False))
        return domain

    @api.model
    def _support_invoice_collect_expenses(self, run):
        """One line group per expense, at cost or at sales price."""
        expenses = self._support_search_unbilled(
            "hr.expense", self._support_invoice_expense_domain(run)
        )
        groups = []
        for expense in expenses:
            partner = expense.support_partner_id.commercial_partner_id.sudo(False)
            pricelist = partner.with_company(run.company).property_product_pricelist
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
