from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .support_milestone_plan import (
    MILESTONE_TRIGGERS,
    PLAN_WRITING_LINES,
    check_share_and_trigger,
)


class SupportMilestonePlanLine(models.Model):
    """One milestone of a plan: its share of the block's total and its trigger, copied
    onto each block that follows the plan."""

    _name = "support.milestone.plan.line"
    _description = "Block Milestone Plan Line"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one(
        "support.milestone.plan", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    percent = fields.Float(string="Share (%)", required=True, digits=(16, 2))
    trigger = fields.Selection(MILESTONE_TRIGGERS, required=True, default="activation")
    trigger_days = fields.Integer(
        string="Days after Start",
        help="For a milestone on a date: the number of days after the block's start date.",
    )
    trigger_usage = fields.Float(
        string="Usage (%)",
        digits=(16, 2),
        help="For a milestone at a usage percentage: the percentage of the block's hours "
        "used at which it is due.",
    )

    _sql_constraints = [
        (
            "percent_range",
            "CHECK(percent > 0 AND percent <= 100)",
            "The share of a milestone is a percentage between 0 (excluded) and 100.",
        ),
    ]

    @api.constrains("percent", "trigger", "trigger_days", "trigger_usage")
    def _check_trigger(self):
        for line in self:
            check_share_and_trigger(
                self.env,
                line.name,
                percent=line.percent,
                amount=0.0,
                trigger=line.trigger,
                has_date=True,
                usage=line.trigger_usage,
            )
            if line.trigger == "date" and line.trigger_days < 0:
                raise ValidationError(
                    self.env._(
                        "Milestone %(milestone)s cannot be due before the block starts: "
                        "enter 0 or more days.",
                        milestone=line.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._support_check_plans(lines.plan_id)
        return lines

    def write(self, vals):
        plans = self.plan_id
        result = super().write(vals)
        if {"percent", "plan_id"} & vals.keys():
            self._support_check_plans(plans | self.plan_id)
        return result

    def unlink(self):
        plans = self.plan_id
        result = super().unlink()
        self._support_check_plans(plans.exists())
        return result

    def _support_check_plans(self, plans):
        """A line changed on its own: its plan must still add up to 100 %."""
        if self.env.context.get("support_plan_lines") is not PLAN_WRITING_LINES:
            plans._check_percent_total()

    def _support_milestone_values(self, block):
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "name": self.name,
            "percent": self.percent,
            "trigger": self.trigger,
            "trigger_date": (
                block.date_start + timedelta(days=self.trigger_days)
                if self.trigger == "date" and block.date_start
                else False
            ),
            "trigger_usage": self.trigger_usage if self.trigger == "usage" else 0.0,
        }
