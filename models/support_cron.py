"""Crash-safe processing of the records of a scheduled action."""

import logging

import psycopg2

_logger = logging.getLogger(__name__)


def process_each(records, process, label):
    """Call ``process(record)`` for each of ``records``, each in its own savepoint.

    A record whose processing fails is rolled back whole (its writes, its chatter
    messages and bus notifications) and logged; the other records are processed and the
    next run retries it. ``process`` re-checks the record's state first: it returns a
    false value when there is nothing (left) to do. Concurrency errors (serialization
    failure, lock timeout) are not caught: the whole job is rolled back and Odoo runs it
    again later.

    :returns: the records processed
    """
    done = records.browse()
    for record in records:
        try:
            # the savepoint flushes on release: the record's tracking messages and
            # notifications are written before the next record starts
            with record.env.cr.savepoint():
                if process(record):
                    done |= record
        except psycopg2.OperationalError:
            raise
        except Exception:
            _logger.exception("%s: %s failed and was left as it was", label, record)
    return done
