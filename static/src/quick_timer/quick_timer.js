import { Component, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { useDropdownState } from "@web/core/dropdown/dropdown_hooks";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { formatFloat, formatFloatTime } from "@web/views/fields/formatters";

const { DateTime } = luxon;

// sent by the server to the user's web clients when their timer starts or stops
const BUS_TYPE = "it_support_time/quick_timer";

/** "1:05:09" for 1 h 5 min 9 s. */
export function formatElapsed(milliseconds) {
    const total = Math.max(0, Math.floor(milliseconds / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
    const seconds = String(total % 60).padStart(2, "0");
    return `${hours}:${minutes}:${seconds}`;
}

/**
 * Quick Tasks: the systray item of the support timer. The timer lives on the server
 * (a running timesheet entry), so this component only shows it and calls the model
 * methods of project.task through the orm service:
 *   get_support_timer_panel, action_support_timer_start, action_support_timer_stop,
 *   action_support_timer_pin.
 */
export class QuickTimer extends Component {
    static template = "it_support_time.QuickTimer";
    static components = { Dropdown };
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.ui = useState(useService("ui"));
        this.dropdown = useDropdownState();
        this.searchRef = useRef("search");
        this.state = useState({
            enabled: false,
            running: false,
            tasks: [],
            supportTypes: [],
            search: "",
            elapsed: "",
            busy: false,
            // the entry just written by a stop, while its small form is shown
            stopped: null,
        });
        this.clockOffset = 0; // server clock minus this device's clock, in ms
        this.loadSequence = 0;
        this.onSearchInput = useDebounced(() => this.load(), 250);

        onWillStart(async () => {
            this.state.enabled = await user.hasGroup("it_support_time.group_support_user");
            if (this.state.enabled) {
                await this.load();
            }
        });
        const interval = setInterval(() => this.tick(), 1000);
        onWillUnmount(() => clearInterval(interval));

        // a timer started or stopped on another device or from a task's buttons
        const bus = this.env.services.bus_service;
        if (bus) {
            const onTimerChanged = () => {
                if (this.state.enabled && !this.state.busy) {
                    this.load();
                }
            };
            bus.subscribe(BUS_TYPE, onTimerChanged);
            onWillUnmount(() => bus.unsubscribe(BUS_TYPE, onTimerChanged));
        }
    }

    get menuClass() {
        return this.ui.isSmall
            ? "o_support_quick_timer_menu o_support_quick_timer_menu_small p-0 mt-0 border-0 shadow-lg"
            : "o_support_quick_timer_menu p-0";
    }

    formatHours(hours, displaySeconds = false) {
        return formatFloatTime(hours, { displaySeconds });
    }

    /** Whether a block balance still has time left (to the minute). */
    blockHoursLeft(hours) {
        return hours >= 1 / 60;
    }

    /** A block balance short enough to read whole on a phone: "34.5 h", "Used up". */
    blockHoursText(hours) {
        if (this.blockHoursLeft(hours)) {
            return _t("%(hours)s h", {
                hours: formatFloat(hours, { digits: [16, 1], trailingZeros: false }),
            });
        }
        if (hours <= -1 / 60) {
            return _t("%(hours)s h over", {
                hours: formatFloat(-hours, { digits: [16, 1], trailingZeros: false }),
            });
        }
        return _t("Used up");
    }

    async load() {
        const sequence = ++this.loadSequence;
        const data = await this.orm.call("project.task", "get_support_timer_panel", [], {
            search: this.state.search,
            limit: 8,
        });
        if (sequence !== this.loadSequence) {
            return; // a newer search answered first
        }
        this.clockOffset = DateTime.fromISO(data.now).toMillis() - Date.now();
        this.state.running = data.running;
        this.state.tasks = data.tasks;
        this.state.supportTypes = data.support_types;
        this.tick();
    }

    tick() {
        if (!this.state.running) {
            this.state.elapsed = "";
            return;
        }
        const start = DateTime.fromISO(this.state.running.start).toMillis();
        this.state.elapsed = formatElapsed(Date.now() + this.clockOffset - start);
    }

    async onBeforeOpen() {
        this.state.stopped = null;
        await this.load();
    }

    onOpened() {
        // no keyboard popping up on phones: focus the search on desktops only
        if (!this.ui.isSmall && this.searchRef.el) {
            this.searchRef.el.focus();
        }
    }

    onStateChanged(isOpen) {
        if (!isOpen) {
            this.state.stopped = null;
            if (this.state.search) {
                this.state.search = "";
                this.load();
            }
        }
    }

    async busyDo(callback) {
        if (this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            await callback();
        } finally {
            this.state.busy = false;
        }
    }

    /** One tap starts the timer on a task; tapping the running one stops it. */
    onTaskClick(task) {
        if (task.running) {
            return this.stop();
        }
        return this.busyDo(async () => {
            await this.orm.call("project.task", "action_support_timer_start", [[task.id]]);
            this.state.stopped = null;
            this.state.search = "";
            await this.load();
            this.dropdown.close();
        });
    }

    stop() {
        return this.busyDo(async () => {
            const lineId = await this.orm.call("project.task", "action_support_timer_stop", [[]]);
            const [line] = await this.orm.read(
                "account.analytic.line",
                [lineId],
                ["name", "task_id", "unit_amount", "billed_hours", "support_type_id"]
            );
            this.state.stopped = {
                lineId,
                taskName: line.task_id ? line.task_id[1] : "",
                worked: line.unit_amount,
                billed: line.billed_hours,
                description: line.name === "/" ? "" : line.name,
                supportTypeId: line.support_type_id ? line.support_type_id[0] : false,
            };
            await this.load();
        });
    }

    onSupportTypeChange(ev) {
        this.state.stopped.supportTypeId = parseInt(ev.target.value) || false;
    }

    /** The optional form after a stop: description and support type of the entry. */
    saveStopped() {
        const stopped = this.state.stopped;
        return this.busyDo(async () => {
            const values = {};
            if (stopped.description.trim()) {
                values.name = stopped.description.trim();
            }
            if (stopped.supportTypeId) {
                values.support_type_id = stopped.supportTypeId;
            }
            if (Object.keys(values).length) {
                await this.orm.write("account.analytic.line", [stopped.lineId], values);
            }
            this.state.stopped = null;
            this.dropdown.close();
        });
    }

    skipStopped() {
        this.state.stopped = null;
        this.dropdown.close();
    }

    togglePin(task) {
        return this.busyDo(async () => {
            await this.orm.call("project.task", "action_support_timer_pin", [[task.id]]);
            await this.load();
        });
    }
}

registry.category("systray").add(
    "it_support_time.quick_timer",
    { Component: QuickTimer },
    { sequence: 30 }
);
