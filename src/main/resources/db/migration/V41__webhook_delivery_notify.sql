-- New outbox rows are announced on the channel vodpack_webhooks once committed, so that a deliverer on any replica
-- sends them at once instead of at its next poll (which stays as the fallback). One notification per statement:
-- the payload is empty, the deliverer reads the due rows itself.
CREATE FUNCTION webhook_delivery_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('vodpack_webhooks', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER webhook_delivery_queued AFTER INSERT ON webhook_delivery
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_delivery_notify();
