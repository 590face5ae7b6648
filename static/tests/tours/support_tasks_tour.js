import { registry } from "@web/core/registry";

import { openSupportMenu } from "./support_tour_steps";

// A technician's everyday path on the demo data: the Support Tasks board shows the open
// support tasks' cards at once, a timer starts from a card, the quick timer's block hours
// read whole, and a stop with "Skip" leaves an entry that still bills (checked in Python).

const TOGGLE = ".o_main_navbar .o_support_quick_timer_toggle";

/** The element's box lies inside the window: seen without scrolling or a click. */
function inViewport(element) {
    const box = element.getBoundingClientRect();
    return (
        box.width > 0 &&
        box.height > 0 &&
        box.top >= 0 &&
        box.left >= 0 &&
        box.bottom <= window.innerHeight &&
        box.right <= window.innerWidth
    );
}

function supportTasksSteps({ small, taskNames, startTask, customer }) {
    const card = `.o_kanban_record:has(.o_support_task_name:contains('${startTask}')):has(.o_support_task_customer:contains('${customer}'))`;
    const open = small
        ? [] // the tour starts on the Support Tasks action itself (no menu bar on phones)
        : openSupportMenu(
              "menu_support_operations",
              "Operations",
              "project_task_menu_support",
              "Support Tasks"
          );
    return [
        ...open,
        {
            content: "The board shows cards, grouped by customer",
            trigger: ".o_support_task_kanban .o_kanban_group .o_kanban_record",
        },
        {
            content: `The cards of ${taskNames.join(", ")}… are in view without a click`,
            trigger: ".o_support_task_kanban",
            run() {
                const names = [...document.querySelectorAll(".o_kanban_record .o_support_task_name")]
                    .filter(inViewport)
                    .map((element) => element.textContent.trim());
                const missing = taskNames.filter(
                    (name) => !names.some((shown) => shown.startsWith(name))
                );
                if (missing.length) {
                    throw new Error(
                        `Not in view without a click: ${missing.join(", ")} (in view: ${names.join(", ")})`
                    );
                }
            },
        },
        {
            content: "The card shows the customer and its block's balance",
            trigger: `${card} .o_support_task_block .o_support_block_balance_remaining:contains('h left')`,
        },
        {
            content: `Start the timer from the ${startTask} card`,
            trigger: `${card} button.o_support_timer_start`,
            run: "click",
        },
        {
            content: "The card now offers Stop",
            trigger: `${card} button.o_support_timer_stop`,
        },
        {
            content: "Open the quick timer (it reads the timer from the server as it opens)",
            trigger: TOGGLE,
            run: "click",
        },
        {
            content: "It shows the task running",
            trigger: `.o_support_quick_timer_current:contains('${startTask}'):contains('${customer}')`,
        },
        {
            content: "The other tasks' block hours read whole (not cut) and inside their row",
            trigger: ".o_support_quick_timer_menu .o_support_quick_timer_block",
            run() {
                const badges = document.querySelectorAll(
                    ".o_support_quick_timer_menu .o_support_quick_timer_block"
                );
                for (const badge of badges) {
                    const row = badge.closest(".o_support_quick_timer_row");
                    const text = badge.textContent.trim();
                    if (badge.scrollWidth > badge.clientWidth) {
                        throw new Error(`Block hours "${text}" are cut`);
                    }
                    if (badge.getBoundingClientRect().right > row.getBoundingClientRect().right) {
                        throw new Error(`Block hours "${text}" run out of their row`);
                    }
                    if (!/^(\d+([.,]\d)? h( over)?|Used up)$/.test(text)) {
                        throw new Error(`Block hours "${text}" are not in hours or words`);
                    }
                }
            },
        },
        {
            content: "A task whose block is used up says so in words",
            trigger: ".o_support_quick_timer_menu .o_support_quick_timer_block:contains('Used up')",
        },
        {
            content: "Stop the timer",
            trigger: ".o_support_quick_timer_current .o_support_quick_timer_stop",
            run: "click",
        },
        {
            content: "The stopped entry shows its billed time",
            trigger: ".o_support_quick_timer_stopped .o_support_quick_timer_billed",
        },
        {
            content: "Skip the description and type",
            trigger: ".o_support_quick_timer_stopped .o_support_quick_timer_skip",
            run: "click",
        },
        {
            content: "No timer runs any more",
            trigger: ".o_support_quick_timer:not(.o_support_quick_timer_running)",
        },
    ];
}

// the first customer's three open tasks in the demo data (a block's task is named
// "Prepaid block <number> - PO <PO>")
const DEMO = {
    taskNames: ["Help desk", "Server and network maintenance", "Prepaid block"],
    startTask: "Help desk",
    customer: "Acme Dental Clinic",
};

registry.category("web_tour.tours").add("it_support_time_support_tasks", {
    steps: () => supportTasksSteps({ small: false, ...DEMO }),
});

registry.category("web_tour.tours").add("it_support_time_support_tasks_mobile", {
    steps: () => supportTasksSteps({ small: true, ...DEMO }),
});
