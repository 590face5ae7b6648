from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

# Context value of the plan's own changes to its lines: the plan checks its total once,
# after all of them (its constraint on ``line_ids``). A line changed on its own (RPC,
# import) checks its plan's total right away. No RPC call can send this value.
PLAN_WRITING_LINES = object()

MILESTONE_TRIGGERS = [
    ("activation", "On activation"),
    ("date", "On a date"),
    ("usage", "At a usage percentage"),
    ("exhausted", "When exhausted"),
    ("close", "When closed or expired"),
]


class SupportMilestonePlan(models.Model):
    """How a block is invoiced: percentages of its total, each due on a trigger. Copied
    onto each new block (from the product it is sold with, else the company default)."""

    _name = "support.milestone.plan"
    _description = "Block Milestone Plan"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the plan between companies.",
    )
    line_ids = fields.One2many(
        "support.milestone.plan.line", "plan_id", string="Milestones", copy=True
    )
    percent_total = fields.Float(string="Total (%)", compute="_compute_percent_total")

    @api.depends("line_ids.percent")
    def _compute_percent_total(self):
        for plan in self:
            plan.percent_total = sum(plan.line_ids.mapped("percent"))

    @api.constrains("line_ids")
    def _check_percent_total(self):
        for plan in self:
            if not plan.line_ids:
                raise ValidationError(
                    self.env._("Milestone plan %(plan)s needs at least one line.", plan=plan.name)
                )
            if float_compare(plan.percent_total, 100.0, precision_digits=2):
                raise ValidationError(
                    self.env._(
                        "The lines of milestone plan %(plan)s add up to %(total)s %%: they "
                        "must add up to 100 %%.",
                        plan=plan.name,
                        total=f"{plan.percent_total:g}",
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        plans = super(
            SupportMilestonePlan, self.with_context(support_plan_lines=PLAN_WRITING_LINES)
        ).create(vals_list)
        return plans.with_env(self.env)

    def write(self, vals):
        return super(
            SupportMilestonePlan, self.with_context(support_plan_lines=PLAN_WRITING_LINES)
        ).write(vals)

    def _support_milestone_values(self, block):
        """Values of the milestones of ``block`` following this plan (none without a
        plan)."""
        return [line._support_milestone_values(block) for line in self[:1].line_ids]


def check_share_and_trigger(env, name, percent, amount, trigger, has_date, usage):
    """Raise a ``ValidationError`` unless exactly one of ``percent`` and ``amount`` is
    set (percent up to 100) and the trigger has what it needs."""
    if percent < 0 or amount < 0 or (percent > 0) == (amount > 0):
        raise ValidationError(
            env._(
                "Milestone %(milestone)s needs either a percentage or an amount (one of "
                "them, positive).",
                milestone=name,
            )
        )
    if percent > 100:
        raise ValidationError(
            env._(
                "Milestone %(milestone)s cannot bill more than 100 %% of the block.",
                milestone=name,
            )
        )
    if trigger == "date" and not has_date:
        raise ValidationError(
            env._(
                "Milestone %(milestone)s is due on a date: enter the date.",
                milestone=name,
            )
        )
    if trigger == "usage" and not 0 < usage <= 1000:
        raise ValidationError(
            env._(
                "Milestone %(milestone)s is due at a usage percentage: enter a percentage "
                "of the hours used above 0 (for example 50).",
                milestone=name,
            )
        )
