import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

export const DEFAULT_THRESHOLDS = [75, 90, 100];

/**
 * Sorted percentages of a "75,90,100" string, or the default ones when the text is
 * empty or malformed (the server validates it).
 */
export function parseThresholds(text) {
    const values = String(text || "")
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part)
        .map((part) => Number(part));
    if (!values.length || values.some((value) => !Number.isFinite(value) || value <= 0)) {
        return DEFAULT_THRESHOLDS;
    }
    return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * The balance of a prepaid support block: a bar of used / available hours coloured by
 * the alert thresholds, and the remaining hours as text. Set on the remaining-hours
 * field; the used and available hours (and thresholds) are read from sibling fields.
 */
export class SupportBlockBalanceField extends Component {
    static template = "it_support_time.SupportBlockBalanceField";
    static props = {
        ...standardFieldProps,
        usedField: { type: String },
        totalField: { type: String },
        thresholdsField: { type: [String, Boolean], optional: true },
        compact: { type: Boolean, optional: true },
    };

    get data() {
        return this.props.record.data;
    }
    get remaining() {
        return this.data[this.props.name] || 0;
    }
    get used() {
        return this.data[this.props.usedField] || 0;
    }
    get total() {
        return this.data[this.props.totalField] || 0;
    }
    get usagePercent() {
        if (this.total > 0) {
            return (100 * this.used) / this.total;
        }
        return this.used > 0 ? 100 : 0;
    }
    get barWidth() {
        return Math.min(Math.max(this.usagePercent, 0), 100);
    }
    get thresholds() {
        const field = this.props.thresholdsField;
        return parseThresholds(field ? this.data[field] : "");
    }
    /** success below the first threshold, warning from it, danger from the last one. */
    get level() {
        const thresholds = this.thresholds;
        if (this.remaining <= 0 && (this.total > 0 || this.used > 0)) {
            return "danger";
        }
        if (this.usagePercent >= thresholds[thresholds.length - 1]) {
            return "danger";
        }
        if (this.usagePercent >= thresholds[0]) {
            return "warning";
        }
        return "success";
    }
    formatHours(value) {
        return formatFloat(value, { digits: [16, 2] });
    }
    get remainingText() {
        if (this.remaining < 0) {
            return _t("%(hours)s h over", { hours: this.formatHours(-this.remaining) });
        }
        return _t("%(hours)s h left", { hours: this.formatHours(this.remaining) });
    }
    get totalText() {
        return _t("of %(hours)s h", { hours: this.formatHours(this.total) });
    }
    get title() {
        return _t("%(used)s h used of %(total)s h (%(percent)s%)", {
            used: this.formatHours(this.used),
            total: this.formatHours(this.total),
            percent: Math.round(this.usagePercent),
        });
    }
}

export const supportBlockBalanceField = {
    component: SupportBlockBalanceField,
    displayName: _t("Support Block Balance"),
    supportedTypes: ["float"],
    supportedOptions: [
        {
            label: _t("Used hours field"),
            name: "used_field",
            type: "field",
            availableTypes: ["float"],
        },
        {
            label: _t("Available hours field"),
            name: "total_field",
            type: "field",
            availableTypes: ["float"],
        },
        {
            label: _t("Alert thresholds field"),
            name: "thresholds_field",
            type: "field",
            availableTypes: ["char"],
        },
        {
            label: _t("Compact"),
            name: "compact",
            type: "boolean",
        },
    ],
    extractProps: ({ options }) => ({
        usedField: options.used_field || "hours_used",
        totalField: options.total_field || "hours_available",
        thresholdsField:
            options.thresholds_field === false
                ? false
                : options.thresholds_field || "alert_thresholds",
        compact: Boolean(options.compact),
    }),
    fieldDependencies: ({ options }) => {
        const dependencies = [
            { name: options.used_field || "hours_used", type: "float" },
            { name: options.total_field || "hours_available", type: "float" },
        ];
        if (options.thresholds_field !== false) {
            dependencies.push({
                name: options.thresholds_field || "alert_thresholds",
                type: "char",
            });
        }
        return dependencies;
    },
};

registry.category("fields").add("support_block_balance", supportBlockBalanceField);
