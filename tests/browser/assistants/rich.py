"""A test assistant whose answers hold what models write: code in three languages, a
table, formulas, an alert, task lists, an image this site serves and one it does not.

"rich" sends the answer at once; "rich slowly" streams it a few characters at a time
(about 8 s); "long slowly" streams 120 paragraphs (something to scroll away from).
"""

import chat.sdk as cl

# A picture of this site (a static file), and one elsewhere that must become a link.
ALLOWED_IMAGE = "/static/chat/favicon.svg"
OTHER_IMAGE = "https://images.example.net/chart.png"

RICH = f"""# A tour of answers

Some **bold words** and a list:

- first item
- second item

```python
def total(items):
    # the prices' sum
    return sum(i.price for i in items)
```

```javascript
const total = items.reduce((a, i) => a + i.price, 0);
```

```sql
SELECT customer, SUM(price) AS total FROM orders GROUP BY customer;
```

| Team | Tickets | A very long column title that makes the table wider than a phone |
|---|---:|---|
| Support | 42 | averyveryveryverylongunbrokenwordthatmustwrapinsteadofoverflowingthescreen |
| Sales | 7 | short |

Einstein wrote $E=mc^2$, and the sum of the first $n$ numbers is

$$
\\sum_{{i=1}}^{{n}} i = \\frac{{n(n+1)}}{{2}}
$$

It costs $5 and $10.

> [!WARNING]
> Back up your data **before** upgrading.

> [!TIP]
> Press Enter to send.

- [x] code
- [ ] images

![The site's logo]({ALLOWED_IMAGE})

![A chart elsewhere]({OTHER_IMAGE})

The end of the tour[^1].

[^1]: Written by the test assistant.
"""  # noqa: S608 - markdown, not SQL


@cl.on_message
async def on_message(message: cl.Message) -> None:
    text = message.content.strip()
    if text == "rich":
        await cl.Message(content=RICH).send()
    elif text == "rich slowly":
        reply = cl.Message(content="")
        for start in range(0, len(RICH), 6):
            await reply.stream_token(RICH[start : start + 6])
            await cl.sleep(0.03)
        await reply.send()
    elif text == "long slowly":
        reply = cl.Message(content="")
        for i in range(120):
            await reply.stream_token(f"Paragraph {i}: " + "words " * 30 + "\n\n")
            await cl.sleep(0.1)
        await reply.send()
    else:
        await cl.Message(content=f"echo: {text}").send()
