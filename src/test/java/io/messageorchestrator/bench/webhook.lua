-- wrk script equivalent to the bench's http scenario: POST /webhook, {"from","body"} of about 100 bytes, contacts
-- drawn at random from 10,000 (unlike the built-in generator, wrk may send two requests of one contact at once).
--   java -jar target/message-orchestrator.jar &        # echo agent, HTTP on :8080
--   wrk -t2 -c64 -d10s --latency -s src/test/java/io/messageorchestrator/bench/webhook.lua http://127.0.0.1:8080/webhook
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local sent = 0
local padding = string.rep("x", 48)

function request()
  sent = sent + 1
  local contact = math.random(0, 9999)
  local body = string.format('{"from":"+%d","body":"%d:%d:0:%s"}', 5511900000000 + contact, sent, contact, padding)
  return wrk.format(nil, nil, nil, body)
end
