from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_compare, float_is_zero

# states in which a block takes new time
DRAWING_STATES = ("active", "exhausted")
# hours are compared to a ten-thousandth of an hour (0.36 s)
HOURS_PRECISION = 4
# What happens to time beyond a block's remaining hours. Each policy is the method
# ``_support_overage_<policy>`` of the ledger below.
OVERAGE_POLICIES = [
    ("next_block", "Draw from the next block"),
    ("overage_rate", "Bill at the overage rate"),
    ("negative", "Go below zero (deduct from the renewal)"),
    ("stop", "Stop (only managers may exceed)"),
]
OVERAGE_POLICY_HELP = (
    "What happens to time beyond the remaining hours:\n"
    "- Draw from the next block: the rest goes to the customer's next active block, "
    "or is billed as ordinary support time when there is none;\n"
    "- Bill at the overage rate: the rest becomes an overage entry billed at the "
    "overage rate;\n"
    "- Go below zero: the block's balance goes negative and is deducted from its "
    "renewal (with rollover);\n"
    "- Stop: technicians cannot log it; Support Managers can (the block goes below "
    "zero)."
)

# a change to one of these fields of an entry re-derives which block it draws from
SUPPORT_BLOCK_TRIGGERS = {
    "unit_amount",
    "billed_hours",
    "billable",
    "date",
    "task_id",
    "project_id",
    "partner_id",
    "support_type_id",
}
# Value of the ``support_block_skip_assign`` context key on the ledger's own writes of
# entries. No RPC call can send it (JSON has no such value): a client passing the key
# itself neither skips the drawing nor writes the derived fields.
SUPPORT_BLOCK_ENGINE = object()


class SupportBlockLedger(models.AbstractModel):
    """Where support time is drawn from: the prepaid block an entry, a task or a trip
    draws from (by work date, oldest block first), the split of an entry larger than
    what is left by the block's overage policy, and the balances that follow from the
    entries. ``support.block`` and ``account.analytic.line`` call it with plain
    arguments; a new overage policy is one entry of ``OVERAGE_POLICIES`` and one method
    ``_support_overage_<policy>`` here."""

    _name = "support.block.ledger"
    _description = "Prepaid Block Ledger"

    # ------------------------------------------------------------ choosing the block

    @api.model
    def _support_blocks_for(self, partner, company, date, task=None):
        """The blocks time logged on ``task`` for ``partner`` (the customer: a commercial
        entity) on ``date`` draws from, in the order it draws from them, and the index of
        the first one.

        The block of ``task`` comes first; then the customer's blocks valid on ``date``,
        oldest first. Returns sudo records: the caller may not read blocks."""
        key = (partner, company, task or self.env["project.task"])
        return self._support_block_chains([key], date)[key]

    @api.model
    def _support_block_chains(self, keys, date):
        """:meth:`_support_blocks_for` of many (commercial partner, company, task) keys at
        once, in a constant number of queries: {key: (chain, index)}."""
        Block = self.env["support.block"].sudo()
        tasks = self.env["project.task"].union(*(task for _partner, _company, task in keys))
        commercials = self.env["res.partner"].union(*(partner for partner, _c, _t in keys))
        companies = self.env["res.company"].union(*(company for _p, company, _t in keys))

        def valid(block):
            return block.date_start <= date and (not block.date_end or block.date_end >= date)

        domains = []
        if tasks:
            domains.append([("task_id", "in", tasks.ids)])
        if commercials:
            domains.append(
                [
                    ("partner_id", "in", commercials.ids),
                    ("company_id", "in", companies.ids),
                    ("date_start", "<=", date),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", date),
                ]
            )
        # the tasks' blocks and the customers' blocks in one query, oldest first
        blocks = Block
        if domains:
            blocks = Block.search(
                expression.AND([[("state", "in", DRAWING_STATES)], expression.OR(domains)]),
                order="date_start, id",
            )
        task_blocks = {}
        customer_blocks = defaultdict(lambda: Block)
        for block in blocks:
            if block.task_id in tasks:
                task_blocks.setdefault(block.task_id.id, block)  # the oldest one wins
            if block.partner_id in commercials and block.company_id in companies and valid(block):
                customer_blocks[block.partner_id, block.company_id] |= block
        # every balance the chains may need, in one grouped query
        Block.union(*task_blocks.values(), *customer_blocks.values()).mapped("hours_remaining")
        result = {}
        for key in keys:
            partner, company, task = key
            task_block = task_blocks.get(task.id, Block)
            chain = task_block | (customer_blocks[partner, company] - task_block)
            result[key] = chain, _first_block_with_hours(chain, task_block)
        return result

    @api.model
    def _support_first_blocks(self, keys, date):
        """The block time of each (commercial partner, company, task) key draws from first on
        ``date``, as the task board and trips show it: {key: block (sudo) or empty}."""
        return {
            key: chain[index] if chain else chain
            for key, (chain, index) in self._support_block_chains(keys, date).items()
        }

    @api.model
    def _support_lock_blocks(self, blocks):
        """Serialize the transactions drawing from ``blocks``. Each draw rewrites the
        block rows, so a concurrent draw waits for it and is retried (serialization
        failure) with the first one's entries in view: the balance is read, then
        drawn, by one transaction at a time."""
        if blocks.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE support_block SET write_date = write_date WHERE id IN %s",
                    tuple(blocks.ids),
                )
            )

    # ----------------------------------------------------------------- balances

    @api.model
    def _support_hours_drawn(self, block_ids):
        """{block id: (used hours, overage hours)} of ``block_ids``, in one grouped query
        over every entry (whoever may read them)."""
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("support_block_id", "in", block_ids)],
                ["support_block_id", "support_is_overage"],
                ["support_block_hours:sum"],
            )
        )
        drawn = defaultdict(lambda: [0.0, 0.0])
        for block, is_overage, hours in groups:
            drawn[block.id][1 if is_overage else 0] += hours
        return {block_id: tuple(hours) for block_id, hours in drawn.items()}

    @api.model
    def _support_balances(self, blocks):
        """{block: (used, overage, remaining hours, usage percent)} of ``blocks`` (new
        records included), from their entries in one grouped query: used = the block
        hours of the entries that are not overage; remaining = available - used -
        carried over out."""
        drawn = self._support_hours_drawn(blocks._origin.ids)
        balances = {}
        for block in blocks:
            used, overage = drawn.get(block._origin.id, (0.0, 0.0))
            available = block.hours_available
            if available > 0:
                usage = 100.0 * used / available
            else:
                usage = 100.0 if used > 0 else 0.0
            remaining = available - used - block.rollover_hours_out
            balances[block] = (used, overage, remaining, usage)
        return balances

    @api.model
    def _support_balance_level(self, hours_remaining, usage_percent, thresholds):
        """Colour of a balance, as the balance widget shows it: ``success`` below the
        first of the (sorted) alert ``thresholds``, ``warning`` from it, ``danger`` from
        the last one or when nothing is left."""
        if (
            float_compare(hours_remaining, 0.0, precision_digits=HOURS_PRECISION) <= 0
            or usage_percent >= thresholds[-1]
        ):
            return "danger"
        if usage_percent >= thresholds[0]:
            return "warning"
        return "success"

    @api.model
    def _support_statement_lines(self, block):
        """Entries of ``block`` for its statement and portal page, newest first. The
        statement shows every entry of a block the reader may see."""
        return block.sudo().timesheet_ids.sorted(lambda line: (line.date, line.id), reverse=True)

    # ------------------------------------------------------------------ drawing

    @api.model
    def _support_block_factor(self, support_type):
        """Block hours drawn per billed hour of time of ``support_type``."""
        return support_type.block_factor or 1.0

    @api.model
    def _support_block_eligible(self, line):
        """Billable support time not yet drawn from a block."""
        return (
            not line.support_block_id
            and line.project_id.sudo().is_support_project
            and line.billable
            and float_compare(line.billed_hours, 0.0, precision_digits=HOURS_PRECISION) > 0
        )

    @api.model
    def _support_may_exceed(self):
        return self.env.su or self.env.user.has_group("it_support_time.group_support_manager")

    @api.model
    def _support_assign_block(self, lines):
        """Draw each entry of ``lines`` from the prepaid block it belongs to.

        An entry on a block's task draws from that block; another billable entry of a
        support project draws from its customer's active block valid on the entry's
        date, oldest first. An entry larger than what is left is split by the block's
        overage policy. Returns the blocks drawn from (sudo)."""
        drawn = self.env["support.block"].sudo()
        for line in lines.filtered(self._support_block_eligible).sorted(
            lambda ln: (ln.date, ln.id)
        ):
            drawn |= self._support_draw(line)
        return drawn

    @api.model
    def _support_redraw(self, lines):
        """Draw ``lines`` again after a change of their time, date, task, customer or
        type; entries of closed, expired or cancelled blocks stay where they are.
        Returns the blocks drawn from (sudo)."""
        movable = lines.filtered(
            lambda line: (
                line.sudo().support_block_id.state in DRAWING_STATES or not line.support_block_id
            )
        )
        cleared = {"support_block_id": False, "support_is_overage": False}
        # an entry with no block has nothing to clear (no write), but an invoiced one is
        # refused as the write of its block would be
        movable._support_check_invoice_write(cleared)
        drawn = movable.filtered(lambda line: line.support_block_id or line.support_is_overage)
        drawn.with_context(support_block_skip_assign=SUPPORT_BLOCK_ENGINE).write(cleared)
        return self._support_assign_block(movable)

    @api.model
    def _support_draw(self, line):
        """Draw ``line`` from its blocks, oldest first: what a block cannot take goes
        where the block's overage policy sends it. Returns the blocks drawn from."""
        # the entry's customer as stored on it (support projects only, as drawing)
        chain, index = self._support_blocks_for(
            line.support_partner_id, line.company_id, line.date, task=line.task_id
        )
        if not chain:
            return chain
        self._support_lock_blocks(chain)
        chain.invalidate_recordset(["hours_used", "hours_remaining", "usage_percent"])
        draw = _Draw(line, chain, self._support_block_factor(line.support_type_id))
        while index is not None:
            block = chain[index]
            if (
                float_compare(draw.capacity(block), draw.left, precision_digits=HOURS_PRECISION)
                >= 0
            ):
                draw.take(block, draw.left)
                break
            policy = getattr(self, f"_support_overage_{block.overage_policy}")
            index = policy(draw, index)
        self._support_apply_pieces(line, draw.pieces)
        return chain.browse([block.id for block, _hours, _overage in draw.pieces if block])

    # -- the overage policies: each sends the time ``draw.left`` that the block
    # ``draw.chain[index]`` cannot take, and returns the index of the block that draws
    # the rest, or None when it is all placed

    @api.model
    def _support_overage_next_block(self, draw, index):
        """The rest goes to the customer's next block with hours left, else to no block
        (ordinary billable time)."""
        draw.fill(draw.chain[index])
        index = next(
            (
                i
                for i in range(index + 1, len(draw.chain))
                if float_compare(
                    draw.remaining[draw.chain[i].id], 0.0, precision_digits=HOURS_PRECISION
                )
                > 0
            ),
            None,
        )
        if index is None:
            draw.take(draw.chain.browse(), draw.left)
        return index

    @api.model
    def _support_overage_overage_rate(self, draw, index):
        """The rest is an overage entry of the block, billed at its overage rate."""
        block = draw.chain[index]
        draw.fill(block)
        draw.take(block, draw.left, overage=True)
        return None

    @api.model
    def _support_overage_negative(self, draw, index):
        """The block takes it all and goes below zero."""
        draw.take(draw.chain[index], draw.left)
        return None

    @api.model
    def _support_overage_stop(self, draw, index):
        """Refused for technicians; Support Managers may exceed (as ``negative``)."""
        if not self._support_may_exceed():
            block = draw.chain[index]
            raise UserError(
                self.env._(
                    "Block %(block)s of %(customer)s has %(hours)s hours left and does "
                    "not allow more: ask a Support Manager to log this time, or renew "
                    "the block.",
                    block=block.name,
                    customer=block.partner_id.display_name,
                    hours=f"{max(draw.remaining[block.id], 0.0):.2f}",
                )
            )
        return self._support_overage_negative(draw, index)

    @api.model
    def _support_check_overage_terms(self, block):
        """The terms a block's overage policy needs."""
        if block.overage_policy == "overage_rate" and float_is_zero(
            block.overage_rate, precision_rounding=block.currency_id.rounding
        ):
            raise ValidationError(
                self.env._(
                    "Block %(block)s bills time beyond its hours at the overage rate: "
                    "set the overage rate.",
                    block=block.name,
                )
            )

    @api.model
    def _support_apply_pieces(self, line, pieces):
        """Write the first piece on ``line`` and create one entry per other piece; the
        worked time is split in the same proportions as the billed time."""
        line.ensure_one()
        engine = line.with_context(support_block_skip_assign=SUPPORT_BLOCK_ENGINE)
        first, *others = pieces
        if not others:
            block, _hours, overage = first
            engine.write({"support_block_id": block.id, "support_is_overage": overage})
            return
        billed, worked = line.billed_hours, line.unit_amount
        units = [worked * hours / billed for _block, hours, _overage in pieces]
        units[-1] = worked - sum(units[:-1])
        template = line.copy_data()[0]
        template.update(
            {
                "name": line.name,
                "date": line.date,
                "project_id": line.project_id.id,
                "task_id": line.task_id.id,
                "employee_id": line.employee_id.id,
                "user_id": line.user_id.id,
                "partner_id": line.partner_id.id,
                "support_type_id": line.support_type_id.id,
                "billable": line.billable,
                "support_calendar_event_id": line.support_calendar_event_id.id,
            }
        )
        engine.create(
            [
                dict(
                    template,
                    unit_amount=unit,
                    billed_hours=hours,
                    support_block_id=block.id,
                    support_is_overage=overage,
                )
                for (block, hours, overage), unit in zip(others, units[1:], strict=True)
            ]
        )
        block, hours, overage = first
        engine.write(
            {
                "unit_amount": units[0],
                "billed_hours": hours,
                "support_block_id": block.id,
                "support_is_overage": overage,
            }
        )


class _Draw:
    """One entry being drawn from a chain of blocks: the billed hours still to place
    (``left``), the block hours each block has left, and the pieces placed so far,
    (block or empty, billed hours, is overage)."""

    def __init__(self, line, chain, factor):
        self.chain = chain
        self.factor = factor
        self.left = line.billed_hours
        self.remaining = {block.id: block.hours_remaining for block in chain}
        self.pieces = []

    def capacity(self, block):
        """Billed hours ``block`` can still take."""
        return max(self.remaining[block.id], 0.0) / self.factor

    def take(self, block, hours, overage=False):
        self.pieces.append((block, hours, overage))

    def fill(self, block):
        """``block`` takes what it can still take of the time left."""
        capacity = self.capacity(block)
        if not float_is_zero(capacity, precision_digits=HOURS_PRECISION):
            self.take(block, capacity)
            self.left -= capacity
            self.remaining[block.id] = 0.0


def _first_block_with_hours(chain, task_block):
    """Index in ``chain`` of the block time draws from first: the task's own block,
    else the oldest with hours left, else (all used up) the newest, whose policy
    decides."""
    if not chain or task_block:
        return 0
    for index, block in enumerate(chain):
        if float_compare(block.hours_remaining, 0.0, precision_digits=HOURS_PRECISION) > 0:
            return index
    return len(chain) - 1
