import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatDate } from "@web/core/l10n/dates";
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
 * "runs out about 12 Jan" / "expires on 12 Jan" for a forecast date (a luxon DateTime)
 * and its reason; the year is added when it is not the current one.
 */
export function forecastText(date, reason, now = luxon.DateTime.local()) {
    if (!date) {
        return "";
    }
    const format = date.year === now.year ? "d MMM" : "d MMM yyyy";
    const day = formatDate(date, { format });
    if (reason === "expiry") {
        return _t("expires on %(date)s", { date: day });
    }
    return _t("runs out about %(date)s", { date: day });
}

/**
 * The balance of a prepaid support block: a bar of used / available hours coloured by
 * the alert thresholds, and the remaining hours as text. Set on the remaining-hours
 * field; the used and available hours (and thresholds) are read from sibling fields,
 * and, when given, the forecast date and its reason (in the tooltip; also as text with
 * ``show_forecast``).
 */
export class SupportBlockBalanceField extends Component {
    static template = "it_support_time.SupportBlockBalanceField";
    static props = {
        ...standardFieldProps,
        usedField: { type: String },
        totalField: { type: String },
        thresholdsField: { type: [String, Boolean], optional: true },
        compact: { type: Boolean, optional: true },
        forecastField: { type: [String, Boolean], optional: true },
        forecastReasonField: { type: [String, Boolean], optional: true },
        showForecast: { type: Boolean, optional: true },
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
    /** The forecast as text; none once nothing is left (the balance says it). */
    get forecastText() {
        const field = this.props.forecastField;
        if (!field || this.remaining <= 0) {
            return "";
        }
        const reasonField = this.props.forecastReasonField;
        return forecastText(this.data[field], reasonField ? this.data[reasonField] : false);
    }
    get title() {
        const usage = _t("%(used)s h used of %(total)s h (%(percent)s%)", {
            used: this.formatHours(this.used),
            total: this.formatHours(this.total),
            percent: Math.round(this.usagePercent),
        });
        const forecast = this.forecastText;
        return forecast ? `${usage}, ${forecast}` : usage;
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
        {
            label: _t("Forecast date field"),
            name: "forecast_field",
            type: "field",
            availableTypes: ["date"],
        },
        {
            label: _t("Forecast reason field"),
            name: "forecast_reason_field",
            type: "field",
            availableTypes: ["selection"],
        },
        {
            label: _t("Show the forecast as text"),
            name: "show_forecast",
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
        forecastField: options.forecast_field || false,
        forecastReasonField: options.forecast_reason_field || false,
        showForecast: Boolean(options.show_forecast),
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
        if (options.forecast_field) {
            dependencies.push({ name: options.forecast_field, type: "date" });
        }
        if (options.forecast_reason_field) {
            dependencies.push({ name: options.forecast_reason_field, type: "selection" });
        }
        return dependencies;
    },
};

registry.category("fields").add("support_block_balance", supportBlockBalanceField);
